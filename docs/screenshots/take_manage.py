"""Regenerate the course workspace screenshots in docs/screenshots/, in Vietnamese:

    manage-dashboard-phone.png     the demo's upcoming course, dashboard, 390×844, full page
    manage-dashboard-desktop.png   the same at 1280×800, full page
    manage-course-form-phone.png   its course form (edit), 390×844, full page
    manage-course-form-desktop.png the same at 1280×800, full page

    python docs/screenshots/take_manage.py

Needs '.[test]' installed, Debian's /usr/bin/chromium and, for Vietnamese date and time inputs,
its chromium-l10n package.

The demo goes into a temporary SQLite database the way an operator would load it
(``flask db upgrade``, ``flask seed-demo``, ``flask create-user``), gunicorn serves it on a free
port of 127.0.0.1, and headless Chromium signs in as the admin account and photographs the pages.
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent.parent
OUTPUT = ROOT / "docs" / "screenshots"
ADMIN = "admin@example.vn"
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603  (our own interpreter and fixed arguments, no shell)
        [sys.executable, "-m", "flask", "--app", "trainingapp", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(args[:1])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited before serving")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    sys.exit("gunicorn did not answer /healthz within 30 s")


def serve_demo(photograph: Any) -> None:
    """Load the demo as an operator would, serve it with gunicorn and run
    ``photograph(base_url, password)``, which returns the files it wrote."""
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/demo.sqlite3",
            "SECRET_KEY": secrets.token_hex(16),  # keeps instance/secret_key out of it
            "FLASK_MAIL_OUTBOX": f"{tmp}/outbox",
            "FLASK_RATELIMIT_ENABLED": "false",
        }
        flask(env, "db", "upgrade")
        print(flask(env, "seed-demo").strip())
        flask(env, "create-user", "--email", ADMIN, "--role", "admin", "--password", password)
        port = free_port()
        server = subprocess.Popen(  # noqa: S603  (our own interpreter and fixed arguments)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--log-level",
                "warning",
                "trainingapp:create_app()",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_until_up(port, server)
            written = photograph(f"http://127.0.0.1:{port}", password)
        finally:
            server.terminate()
            server.wait(timeout=10)
    for path in written:
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KiB)")


def main() -> None:
    serve_demo(photograph)


def sign_in(page: Page, password: str) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(ADMIN)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/manage/")


def photograph(base_url: str, password: str) -> list[Path]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        # Chromium draws date and time inputs in its own interface language: Vietnamese needs
        # Debian's chromium-l10n (without it they show as mm/dd/yyyy, hh:mm AM).
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[*CHROMIUM_ARGS, "--lang=vi"],
            env={**os.environ, "LANGUAGE": "vi"},
        )
        for label, (width, height) in VIEWPORTS.items():
            context = browser.new_context(
                base_url=base_url,
                viewport={"width": width, "height": height},
                locale="vi-VN",
                timezone_id="Asia/Ho_Chi_Minh",
            )
            page = context.new_page()
            sign_in(page, password)
            # the demo's upcoming course is its only published one
            page.goto("/manage/?status=published")
            courses = page.locator("a[href^='/manage/events/']:not([href$='/new'])")
            if courses.count() != 1:
                sys.exit(f"expected the demo's one published course, found {courses.count()}")
            dashboard = courses.get_attribute("href") or ""
            for name, path in (
                ("dashboard", dashboard),
                ("course-form", f"{dashboard}/edit"),
            ):
                page.goto(path)
                overflow = page.evaluate("document.documentElement.scrollWidth") - width
                if overflow > 0:
                    print(f"warning: {name} at {width}px is {overflow}px wider than the screen")
                target = OUTPUT / f"manage-{name}-{label}.png"
                page.screenshot(path=target, full_page=True)
                written.append(target)
            context.close()
        browser.close()
    return written


if __name__ == "__main__":
    main()
