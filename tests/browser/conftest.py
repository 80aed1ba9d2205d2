"""Browser tests: the app served on 127.0.0.1 from a thread, driven by Debian's Chromium.

Fixtures
--------
``live_server``  the app on a free port (file SQLite in tmp_path, CSRF on, rate limits off);
                 ``live_server.app`` for seeding data, ``live_server.url("/path")`` for addresses.
``browser``      one headless Chromium per test session (/usr/bin/chromium, never a downloaded one).
``new_page``     factory: ``new_page(width=390, height=844)`` opens a fresh context whose base URL is
                 the live server, so ``page.goto("/")`` works.
``page``         ``new_page()`` at 1280×800.

Every test in this directory is marked ``browser``. The directory skips with a reason when
/usr/bin/chromium or the ``playwright`` package is missing, unless ``TRAININGAPP_REQUIRE_BROWSER=1``
(set by .ci/run), which turns the skip into a failure so CI cannot pass without running them.

A test fails at teardown when the server raised an exception while handling a request, or when a
page logged a JavaScript error or a Content-Security-Policy violation, or a stylesheet, script or image
failed to load (clear ``page_errors`` or ``live_server.errors`` in a test that expects one). A failing
test leaves a full-page screenshot of each of its pages in test-results/.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pytest
from flask import Flask
from flask import got_request_exception
from werkzeug.serving import make_server

from trainingapp import create_app
from trainingapp.extensions import db

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from playwright.sync_api import ConsoleMessage
    from playwright.sync_api import Page
    from playwright.sync_api import Response

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
#: per action or navigation; keeps a hung page from eating CI's time
DEFAULT_TIMEOUT_MS = 15_000
HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE.parent.parent / "test-results"


def _unavailable_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "browser tests need the playwright package (pip install -e '.[test]')"
    return None


UNAVAILABLE = _unavailable_reason()
REQUIRED = os.environ.get("TRAININGAPP_REQUIRE_BROWSER") == "1"


class _SkippedModule(pytest.Module):
    """Stands in for a test module when browser tests cannot run, without importing it."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        pytest.skip(UNAVAILABLE or "", allow_module_level=True)


def pytest_pycollect_makemodule(
    module_path: Path, parent: pytest.Collector
) -> pytest.Module | None:
    # Test modules import playwright at the top, so skip before importing them.
    if UNAVAILABLE and not REQUIRED:
        return _SkippedModule.from_parent(parent, path=module_path)
    return None


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    # Lets fixtures see at teardown whether the test itself failed (for the screenshot).
    setattr(item, f"report_{report.when}", report)
    return report


class LiveServer:
    def __init__(self, app: Flask, host: str, port: int) -> None:
        self.app = app
        self.base_url = f"http://{host}:{port}"
        #: exceptions raised by views while handling the browser's requests
        self.errors: list[BaseException] = []

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Flask]:
    """The app behind ``live_server``; its database is a SQLite file nobody else uses."""
    import trainingapp.models  # noqa: F401  (registers every table)

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite3'}",
            "SECRET_KEY": "browser-tests",
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
        }
    )
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[LiveServer]:
    """The app served by werkzeug from a background thread on 127.0.0.1 and a free port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    live = LiveServer(live_app, "127.0.0.1", server.server_port)

    def record(_sender: Flask, exception: BaseException, **_extra: Any) -> None:
        live.errors.append(exception)

    got_request_exception.connect(record, live_app)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="live-server"
    )
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record, live_app)
    if live.errors:
        pytest.fail(f"the server raised while handling a request: {live.errors!r}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, shared by the session's tests."""
    if UNAVAILABLE:
        if REQUIRED:
            pytest.fail(UNAVAILABLE + " (TRAININGAPP_REQUIRE_BROWSER=1)")
        pytest.skip(UNAVAILABLE)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Problems seen by ``new_page`` pages: JavaScript and console errors (CSP violations among
    them) and failed sub-resources."""
    return []


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server: LiveServer,
    page_errors: list[str],
) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh contexts (own cookies) whose base URL is the live server."""
    contexts = []
    pages: list[Page] = []

    def _new_page(
        width: int = DESKTOP["width"], height: int = DESKTOP["height"], **options: Any
    ) -> Page:
        context = browser.new_context(
            base_url=live_server.base_url,
            viewport={"width": width, "height": height},
            locale=options.pop("locale", "vi-VN"),
            timezone_id=options.pop("timezone_id", "Asia/Ho_Chi_Minh"),
            **options,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(f"{page.url}: {error}"))

        def on_console(message: ConsoleMessage) -> None:
            # Failed loads are reported by on_response, which knows which request it was.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                page_errors.append(f"{page.url}: console: {message.text}")

        def on_response(response: Response) -> None:
            # A broken stylesheet, script or image link; the page itself may be a deliberate 404.
            if (
                response.status >= 400
                and response.request.resource_type != "document"
                and not response.url.endswith("/favicon.ico")
            ):
                page_errors.append(f"{page.url}: {response.status} for {response.url}")

        page.on("console", on_console)
        page.on("response", on_response)
        pages.append(page)
        return page

    yield _new_page

    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for number, page in enumerate(pages):
            if not page.is_closed():
                page.screenshot(path=RESULTS_DIR / f"{name}-{number}.png", full_page=True)
    for context in contexts:
        context.close()
    if page_errors:
        pytest.fail("errors in the browser:\n" + "\n".join(page_errors))


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop-sized (1280×800) page on the live server."""
    return new_page(**DESKTOP)
