"""Regenerate docs/course-page.png: the demo's upcoming course on a desktop and on a phone.

    python docs/screenshot.py          (needs '.[test]' installed and Debian's /usr/bin/chromium)

Loads the demo into a temporary SQLite database, serves it on 127.0.0.1 and photographs the
course page in headless Chromium at 1280×800 and 390×844, side by side in one PNG.
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "course-page.png"
SLUG = "tap-huan-thong-tin-doi-ngoai-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/demo.sqlite3"
        from trainingapp import create_app
        from trainingapp.extensions import db

        app = create_app(
            {"SECRET_KEY": "screenshot", "RATELIMIT_ENABLED": False, "MAIL_OUTBOX": f"{tmp}/outbox"}
        )
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade()
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        if result.exit_code != 0:
            sys.exit(f"seed-demo failed: {result.output}")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            shots = photograph(f"http://127.0.0.1:{server.server_port}/events/{SLUG}")
        finally:
            server.shutdown()
            thread.join()
            server.server_close()
            with app.app_context():
                db.engine.dispose()
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KiB) from {len(shots)} screenshots")


def photograph(url: str) -> list[bytes]:
    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for width, height in ((1280, 800), (390, 844)):
            context = browser.new_context(
                viewport={"width": width, "height": height},
                locale="vi-VN",
                timezone_id="Asia/Ho_Chi_Minh",
            )
            page = context.new_page()
            page.goto(url)
            shots.append(page.screenshot())
            context.close()
        # Put the two side by side on a neutral background and photograph that.
        images = "".join(
            f'<img src="data:image/png;base64,{base64.b64encode(shot).decode()}">' for shot in shots
        )
        context = browser.new_context(
            viewport={"width": 1280 + 390 + 3 * 24, "height": 844 + 2 * 24}
        )
        page = context.new_page()
        page.set_content(
            "<body style='margin:0;padding:24px;background:#dee2e6;display:flex;gap:24px;"
            "align-items:flex-start'>"
            f"{images}</body>"
        )
        page.locator("img").last.wait_for()
        page.screenshot(path=OUTPUT)
        context.close()
        browser.close()
    return shots


if __name__ == "__main__":
    main()
