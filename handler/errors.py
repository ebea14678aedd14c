"""The one error every failed request raises, so that each request of a batch can be answered alone."""


class RequestError(ValueError):
    """A request answered with an error rather than a prediction: a refused input (4xx), a
    request that only does not fit beside its batch (503), or a failure no input should cause
    (500). It carries the HTTP status, a stable type clients can branch on, and a message a person
    can act on; nothing of the server's internals goes into it."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


class V2RequestError(RequestError):
    """A refused Open Inference Protocol request: answered in v2's error shape, `{"error": "..."}`."""


def internal_error() -> RequestError:
    """The answer for a request whose processing failed in a way no input should cause (a bug):
    500 for that request alone, with nothing of the traceback, which goes to the worker's log."""
    return RequestError("internal_error", "The image could not be processed; the error is logged on the server.", 500)
