"""Fixtures for the real-browser tests: Debian's Chromium driven by Playwright, and the
real ``digit-classifier serve`` started as a child process.

``browser`` is shared by a module (one Chromium start per file); ``page`` is a fresh tab
that saves a screenshot into ``artifacts/screenshots/`` when the test ends, pass or fail.
``serve`` starts a server on a free port with its own state directory; ``ServerProcess``
can stop and start it again on the same port and state (for the reconnect test).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
#: How long a server gets to answer /api/health after starting (it loads the model and camera).
SERVER_START_TIMEOUT_S = 30.0

sync_api = pytest.importorskip("playwright.sync_api")
#: expect() waits this long for a condition (a loaded machine can be slow to start a brain).
sync_api.expect.set_options(timeout=15_000)


def serve_command() -> List[str]:
    """``digit-classifier`` from the venv the tests run in (the package's console script)."""
    script = Path(sys.executable).with_name("digit-classifier")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "exercise"]


class ServerProcess:
    """A real ``digit-classifier serve --camera demo`` on a fixed port and state directory."""

    def __init__(
        self,
        port: int,
        state_dir: Path,
        log_path: Path,
        model: Optional[Path] = None,
        token: Optional[str] = None,
    ) -> None:
        self.model = model
        self.token = token
        self.port = port
        self.state_dir = state_dir
        self.log_path = log_path
        self.process: Optional[subprocess.Popen] = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        """Starts the server and returns once /api/health answers (raises if it never does)."""
        args = serve_command() + [
            "serve",
            "--camera",
            "demo",
            "--port",
            str(self.port),
            "--state-dir",
            str(self.state_dir),
        ]
        if self.model is not None:
            args += ["--model", str(self.model)]
        if self.token is not None:
            args += ["--token", self.token]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=str(ROOT), env=env)
        log.close()
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"digit-classifier serve exited with {code}:\n{self.log()}")
            if self.healthy():
                return
            # Polling a starting child process: there is nothing to wait on but its port.
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"digit-classifier serve did not answer /api/health in {SERVER_START_TIMEOUT_S} s:\n{self.log()}"
        )

    def health(self) -> Dict[str, Any]:
        """The server's /api/health answer."""
        query = f"?token={self.token}" if self.token else ""
        with urllib.request.urlopen(f"{self.url}/api/health{query}", timeout=5) as response:
            return dict(json.load(response))

    def healthy(self) -> bool:
        try:
            self.health()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


DEFAULT_MODEL = ROOT / "exercise" / "assets" / "default_model.onnx"


@pytest.fixture(scope="module")
def start_model(tmp_path_factory: pytest.TempPathFactory, digit_model_bytes: bytes) -> Optional[Path]:
    """The model the servers start with: the bundled default, or (in a checkout that has not
    trained it yet) the template-matching model of tests/conftest.py, which reads clear digits."""
    if DEFAULT_MODEL.exists():
        return None
    path = tmp_path_factory.mktemp("model") / "digits.onnx"
    path.write_bytes(digit_model_bytes)
    return path


def new_server(base: Path, model: Optional[Path], token: Optional[str] = None) -> ServerProcess:
    """A server (not started) on a free port with its state under ``base``."""
    return ServerProcess(free_port(), base / "state", base / "serve.log", model, token)


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory, start_model: Optional[Path]) -> Iterator[ServerProcess]:
    """A running server on the demo camera, private to the test module."""
    server = new_server(tmp_path_factory.mktemp("serve"), start_model)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: sync_api.Browser, request: pytest.FixtureRequest) -> Iterator[sync_api.Page]:
    """A fresh tab (own context: no shared storage); screenshot saved when the test ends."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
        finally:
            context.close()
    # An uncaught exception in the page's scripts is a bug even if the assertions passed.
    assert not errors, f"uncaught errors in the page: {errors}"
