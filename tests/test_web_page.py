"""The drawing page in a real headless Chromium, against the session's real TorchServe.

Debian's chromium and chromium-driver are used (a test tool's own browser download cannot work
offline); .ci/run installs them. Set UPDATE_SCREENSHOT=1 to refresh docs/web-demo.png.
"""

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from serving import ROOT
from serving.front import find_haproxy, front_door
from serving.torchserve import free_ports
from tests.helpers import require_debian_packages
from tests.strokes import drawn

pytestmark = pytest.mark.integration
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CANVAS = 280


@pytest.fixture(scope="module")
def page_url(torchserve):
    """The page as `make demo` serves it: through the front door (HAProxy) to the session's TorchServe."""
    require_debian_packages(find_haproxy() is not None, "haproxy")
    (port,) = free_ports(1)
    with front_door(port, torchserve.inference_url, torchserve.key_file) as url:
        yield f"{url}/"


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver (see .ci/run)")
        pytest.skip("needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=800,700",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def draw(browser, *strokes: list[tuple[int, int]]) -> None:
    """Mouse strokes on the canvas, in canvas pixels from its top-left corner. Each point is one
    pointermove with no pause before it: the page joins the points with lines as they come, so a
    pause would draw the same strokes, only slower."""
    canvas = browser.find_element(By.ID, "canvas")
    for points in strokes:
        actions = ActionChains(browser, duration=0)
        (x, y), rest = points[0], points[1:]
        actions.move_to_element_with_offset(canvas, x - CANVAS // 2, y - CANVAS // 2).click_and_hold()
        for x, y in rest:
            actions.move_to_element_with_offset(canvas, x - CANVAS // 2, y - CANVAS // 2)
        actions.release().perform()


def wait_until(browser, condition) -> None:
    """Wait up to 20 s for `condition(browser)`, looking every 50 ms: an answer comes in tens of
    milliseconds, and selenium's look every half second was most of the wait."""
    WebDriverWait(browser, 20, poll_frequency=0.05).until(condition)


def shown_digit(browser, expected: str) -> str:
    """The digit on show once the page settles on `expected`, or whatever it shows after 20 s:
    the answers to half-drawn strokes come first."""
    try:
        wait_until(browser, lambda driver: driver.find_element(By.ID, "digit").text == expected)
    except TimeoutException:
        pass
    return browser.find_element(By.ID, "digit").text


def answer_to_drawing(browser) -> str:
    """The digit shown once the page has answered the last drawing ("" for a refusal)."""
    canvas = browser.find_element(By.ID, "canvas")
    wait_until(browser, lambda _: canvas.get_attribute("data-state") == "done")
    return browser.find_element(By.ID, "digit").text


def bar_widths(browser) -> list[float]:
    spans = browser.find_elements(By.CSS_SELECTOR, "#bars .bar span")
    return [float(span.value_of_css_property("width").removesuffix("px")) for span in spans]


def test_a_drawn_one_is_read_as_1(browser, page_url):
    browser.get(page_url)
    draw(browser, [(140, 45), (140, 100), (140, 160), (140, 235)])
    assert shown_digit(browser, "1") == "1"
    widths = bar_widths(browser)
    assert len(widths) == 10 and widths.index(max(widths)) == 1


def test_clear_then_a_drawn_seven_is_read_as_7(browser, page_url, tmp_path):
    browser.get(page_url)
    draw(browser, [(140, 140), (140, 150)])
    browser.find_element(By.ID, "clear").click()
    assert browser.find_element(By.ID, "digit").text == ""
    draw(browser, [(75, 55), (140, 55), (205, 55)], [(205, 55), (180, 120), (155, 185), (135, 245)])
    assert shown_digit(browser, "7") == "7"
    assert "seven" in browser.find_element(By.ID, "confidence").text
    assert answer_to_drawing(browser) == "7"
    time.sleep(0.5)  # the bars' 0.2 s width transition, so the screenshot shows them settled
    screenshot = tmp_path / "web-demo.png"
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 10_000
    if os.environ.get("UPDATE_SCREENSHOT"):
        shutil.copy(screenshot, ROOT / "docs" / "web-demo.png")


# Pen widths per digit height on the 280x280 canvas: from a fine pen to a marker more than a quarter
# as wide as the digit is tall.
PENS_BY_HEIGHT = {200: (4, 14, 32, 56), 130: (3, 10, 24, 36), 70: (2, 8, 18)}


def test_digits_drawn_with_pens_from_fine_to_marker_at_several_sizes_are_read(browser, page_url):
    """Every digit drawn with the mouse (tests/strokes.py) at three heights, each with three or
    four pen widths set on the page's slider: at least 98% read right, none refused."""
    rng = np.random.default_rng(5)
    browser.get(page_url)
    slider = browser.find_element(By.ID, "pen")
    results = {}
    for height, pens in PENS_BY_HEIGHT.items():
        for pen in pens:
            browser.execute_script("arguments[0].value = arguments[1]", slider, pen)
            for digit in range(10):
                browser.find_element(By.ID, "clear").click()
                margin = (height + pen) // 2
                centre = tuple(int(rng.integers(margin, CANVAS - margin + 1)) for _ in range(2))
                draw(browser, *drawn(digit, height, centre, rng))
                results[(height, pen, digit)] = answer_to_drawing(browser)
    wrong = {key: shown for key, shown in results.items() if shown != str(key[2])}
    right = len(results) - len(wrong)
    print(f"drawn in the browser: {right}/{len(results)} right; wrong (height, pen, digit): {wrong}")
    assert all(shown != "" for shown in results.values()), wrong
    assert len(wrong) <= 0.02 * len(results), wrong


def test_an_uploaded_mnist_test_image_is_read(browser, page_url, tmp_path, digit_pngs):
    png, label = digit_pngs[4]
    upload = tmp_path / "digit.png"
    upload.write_bytes(png)
    browser.get(page_url)
    browser.find_element(By.ID, "file").send_keys(str(upload))
    assert shown_digit(browser, str(label)) == str(label)


def test_a_refused_upload_shows_the_servers_message(browser, page_url, tmp_path):
    upload = tmp_path / "notes.gif"
    upload.write_bytes(b"GIF89a but not really")
    browser.get(page_url)
    browser.find_element(By.ID, "file").send_keys(str(upload))
    wait_until(browser, lambda driver: "not an image" in driver.find_element(By.ID, "status").text)
    assert browser.find_element(By.ID, "digit").text == ""


def test_the_page_never_sees_the_key_and_the_front_door_forwards_only_inference(page_url, torchserve, http):
    page = http.get(page_url, timeout=10)
    assert page.status_code == 200 and torchserve.keys()["inference"] not in page.text
    assert http.get(f"{page_url}key_file.json", timeout=10).status_code == 404
    refused = http.post(f"{page_url}models", data=b"x", timeout=10)
    assert refused.status_code == 404 and refused.json()["error"]["type"] == "not_found"


def test_the_front_door_answers_in_the_error_shape_when_torchserve_is_down(http, tmp_path):
    require_debian_packages(find_haproxy() is not None, "haproxy")
    closed, port = free_ports(2)
    with front_door(port, f"http://127.0.0.1:{closed}", tmp_path / "key_file.json") as url:
        answer = http.post(f"{url}/predictions/mnist", data=b"x", timeout=30)
    assert answer.status_code in (502, 503) and answer.json()["error"]["type"] == "service_unavailable"


def test_torchserve_refuses_cors_preflights_under_token_auth(torchserve, http):
    """Why the page goes through the front door: a browser's preflight carries no Authorization
    header, and TorchServe 0.12 answers it 400, so no cross-origin page can call it with a key."""
    preflight = http.options(
        f"{torchserve.inference_url}/predictions/mnist",
        headers={"Origin": "http://127.0.0.1:8090", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert preflight.status_code == 400 and preflight.json()["type"] == "InvalidKeyException"
