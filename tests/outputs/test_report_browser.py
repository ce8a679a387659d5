"""The standalone HTML report in a real browser: Debian's headless Chromium, networking off.

Chromium is driven over the DevTools protocol on `--remote-debugging-pipe`
(file descriptors 3 and 4, NUL-separated JSON): no port to race for, and the
protocol reports every request (`Network.requestWillBeSent`), console message
(`Runtime.consoleAPICalled`), uncaught exception and browser log entry
(`Log.entryAdded`, where failed loads and blocked resources show up) as
structured events, which is more reliable than scraping `--enable-logging`
output.  The network is off three ways: host names resolve to nothing,
non-local traffic goes to a dead proxy, and component/background networking is
disabled; requests to 127.0.0.1 still reach the test's own server, so an
attempt would be seen twice (DevTools event and server hit).

Set AUDITOR_SCREENSHOT_DIR to keep the screenshots for a human to look at.
Skipped only where `chromium` is not installed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.outputs.report.html import render_html
from tests.outputs.test_report import sample
from tests.outputs.test_report_pdf import hostile_result, http_server  # noqa: F401 (fixture)

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
TIMEOUT = 60.0


class Browser:
    """A headless Chromium and a minimal DevTools client over the debugging pipe."""

    def __init__(self, profile: Path) -> None:
        to_browser_r, self._out = os.pipe()
        self._in, from_browser_w = os.pipe()

        def wire_fds() -> None:  # in the child: fd 3 reads commands, fd 4 writes replies
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        args = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=http://127.0.0.1:9",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.process = subprocess.Popen(
            args,
            # preexec_fn runs before the unlisted descriptors are closed: keep 3 and 4.
            pass_fds=(3, 4, to_browser_r, from_browser_w),
            preexec_fn=wire_fds,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._in, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for message in messages:
                    self._inbox.put(json.loads(message))

    def _pump(self, deadline: float) -> None:
        message = self._inbox.get(timeout=max(deadline - time.monotonic(), 0.01))
        if "id" in message:
            self._replies[message["id"]] = message
        else:
            self.events.append(message)

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        ident = self._next_id
        command: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        os.write(self._out, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while ident not in self._replies:
            self._pump(deadline)
        reply = self._replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]  # type: ignore[no-any-return]

    def wait_for(self, method: str, session: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not any(e["method"] == method and e.get("sessionId") == session for e in self.events):
            self._pump(deadline)

    def settle(self, seconds: float) -> None:
        """Collect events for a while (late font or image loads would show up here)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self._pump(deadline)
            except queue.Empty:
                break

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, queue.Empty):
            self.send("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._out)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    chrome = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chrome
    finally:
        chrome.close()


def load(browser: Browser, page: Path, screenshot: Path) -> dict[str, Any]:
    """Open `page` in a new tab, wait for load and fonts, screenshot it, report what happened."""
    target = browser.send("Target.createTarget", url="about:blank")["targetId"]
    session = browser.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    first_event = len(browser.events)
    for domain in ("Network", "Runtime", "Log", "Page"):
        browser.send(f"{domain}.enable", session)
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=1000,
        height=1400,
        deviceScaleFactor=1,
        mobile=False,
    )
    url = page.resolve().as_uri()
    browser.send("Page.navigate", session, url=url)
    browser.wait_for("Page.loadEventFired", session)
    fonts = browser.send(
        "Runtime.evaluate",
        session,
        expression=(
            "document.fonts.ready.then(() => JSON.stringify({"
            "report: document.fonts.check('bold 12px \"Report Sans\"') && "
            "[...document.fonts].filter(f => f.family.includes('Report Sans'))"
            ".every(f => f.status === 'loaded'), "
            "height: document.documentElement.scrollHeight, "
            "svgs: document.querySelectorAll('svg').length}))"
        ),
        awaitPromise=True,
        returnByValue=True,
    )
    browser.settle(0.5)
    info = json.loads(fonts["result"]["value"])
    shot = browser.send(
        "Page.captureScreenshot",
        session,
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": 1000, "height": min(info["height"], 7000), "scale": 1},
    )
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    keep = os.environ.get("AUDITOR_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(keep) / screenshot.name)
    events = [e for e in browser.events[first_event:] if e.get("sessionId") == session]
    browser.send("Target.closeTarget", targetId=target)
    requests = [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]
    return {
        "url": url,
        "info": info,
        "requests": [u for u in requests if u != url and not u.startswith("data:")],
        "console_errors": [
            e["params"]
            for e in events
            if e["method"] == "Runtime.consoleAPICalled"
            and e["params"]["type"] in ("error", "assert", "warning")
        ],
        "exceptions": [e["params"] for e in events if e["method"] == "Runtime.exceptionThrown"],
        "log_errors": [
            e["params"]["entry"]
            for e in events
            if e["method"] == "Log.entryAdded"
            and e["params"]["entry"]["level"] in ("error", "warning")
        ],
    }


def assert_clean(report: dict[str, Any]) -> None:
    assert report["requests"] == []
    assert report["console_errors"] == []
    assert report["exceptions"] == []
    assert report["log_errors"] == []


def test_html_report_opens_in_chromium_without_errors_or_requests(
    browser: Browser, tmp_path: Path
) -> None:
    from PIL import Image

    page = tmp_path / "report_en.html"
    page.write_text(render_html(sample(), language="en"), encoding="utf-8")
    screenshot = tmp_path / "browser_report_en.png"
    report = load(browser, page, screenshot)
    assert_clean(report)
    assert report["info"]["report"] is True  # the inline fonts loaded
    assert report["info"]["svgs"] >= 12
    image = Image.open(screenshot).convert("L")
    assert image.size[0] == 1000
    assert image.size[1] > 3000
    # Not a blank page: the accent cover band and text make plenty of dark pixels.
    dark = sum(image.resize((200, 400)).histogram()[:128])
    assert dark > 2000


def test_hostile_html_makes_no_request_in_chromium(
    browser: Browser,
    tmp_path: Path,
    http_server: tuple[str, list[str]],  # noqa: F811
) -> None:
    base, hits = http_server
    result, _ = hostile_result(base)
    page = tmp_path / "report_hostile.html"
    page.write_text(render_html(result, language="en"), encoding="utf-8")
    report = load(browser, page, tmp_path / "browser_report_hostile.png")
    assert_clean(report)
    assert hits == []
