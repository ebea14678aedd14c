"""The demo page's server: web/index.html, and /predictions/* forwarded to TorchServe with the key.

Why a forwarder rather than CORS: with TorchServe 0.12's token authorization on, a browser's CORS
preflight (an OPTIONS request, which by the standard carries no Authorization header) is refused
with 400 InvalidKeyException, so a page on another origin can never call TorchServe with a key. The
page therefore talks only to this same-origin server, which reads the inference key from
key_file.json at each request (a refreshed key just works) and never hands it to the browser.
"""

import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from client.predict import session
from handler import response
from handler.errors import RequestError
from serving import ROOT

WEB_DIR = ROOT / "web"
MAX_BODY = 10 * 1024 * 1024  # as TorchServe's max_request_size
FORWARDED = "/predictions/"
# The page's own inline script and style, images it previews from blob: URLs, and nothing else.
CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src blob:"


def make_handler(inference_url: str, inference_key: Callable[[], str]) -> type[BaseHTTPRequestHandler]:
    http = session()

    class DemoHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path not in ("/", "/index.html"):
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                return
            self._send(HTTPStatus.OK, (WEB_DIR / "index.html").read_bytes(), "text/html; charset=utf-8")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if not self.path.startswith(FORWARDED):
                self._refuse(RequestError("not_found", "Only /predictions/ is served here.", 404))
                return
            if length > MAX_BODY:
                self._refuse(RequestError("body_too_large", f"Send at most {MAX_BODY:,} bytes.", 413))
                return
            headers = {"Authorization": f"Bearer {inference_key()}"}
            if "Content-Type" in self.headers:
                headers["Content-Type"] = self.headers["Content-Type"]
            body = self.rfile.read(length)
            try:
                answer = http.post(f"{inference_url}{self.path}", data=body, headers=headers, timeout=30)
            except requests.RequestException:
                self._refuse(RequestError("service_unavailable", "TorchServe cannot be reached; is it running?", 502))
                return
            self._send(answer.status_code, answer.content, answer.headers.get("content-type", "application/json"))

        def _refuse(self, problem: RequestError) -> None:
            self._send(problem.status, json.dumps(response.error(problem)).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:
            pass  # one line per request would drown the URL we print

    return DemoHandler


def start_demo_server(port: int, inference_url: str, inference_key: Callable[[], str]) -> ThreadingHTTPServer:
    """Serve on 127.0.0.1:port in a background thread; call .shutdown() to stop."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(inference_url, inference_key))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
