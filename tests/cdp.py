"""Drive headless Chromium through the DevTools protocol, as a person at the keyboard would: open a page, type
into its fields, press its buttons, wait for the next page, read what it shows. Only to addresses on this
machine (the app under test on 127.0.0.1).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium() -> str:
    found = os.environ.get("CALLINTEL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        pytest.skip("Chromium not found, so the page was not checked in a browser: "
                    "`sudo apt-get install chromium fonts-noto-cjk` or set CALLINTEL_CHROMIUM=/path/to/chromium")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class Browser:
    """One headless Chromium with one tab; every call waits for its answer (bounded by `timeout`)."""

    def __init__(self, profile: Path, timeout: float = 60) -> None:
        self.port, self.timeout = free_port(), timeout
        self.proc = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}",
                                      f"--remote-debugging-port={self.port}", "--window-size=1200,1600",
                                      "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc)
        tabs = []
        for _ in range(50):
            tabs = [t for t in json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json", timeout=10))
                    if t.get("type") == "page"]
            if tabs:
                break
            time.sleep(0.2)
        self.ws = connect(tabs[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=timeout)
        self._id = 0
        self.errors: list[str] = []
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        return self._until(lambda m: m.get("id") == self._id).get("result", {})

    def _until(self, done: Any) -> dict[str, Any]:
        end = time.monotonic() + self.timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, end - time.monotonic())))
            if msg.get("method") == "Runtime.exceptionThrown":
                self.errors.append(json.dumps(msg["params"], ensure_ascii=False)[:500])
            if done(msg):
                if "error" in msg:
                    raise RuntimeError(f"DevTools said: {msg['error']}")
                return msg

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self._until(lambda m: m.get("method") == "Page.loadEventFired")

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def submit(self, expression: str) -> None:
        """Run `expression` (which presses a button) and wait for the page the form leads to."""
        self.js(f"setTimeout(() => {{ {expression} }}, 0); true")
        self._until(lambda m: m.get("method") == "Page.loadEventFired")

    def screenshot(self, path: Path) -> None:
        import base64

        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
