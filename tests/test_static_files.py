"""Static files: fingerprinted addresses in every page, kept for a year at their current
fingerprint, revalidated at once at any other (an old page, a hand-typed address)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from trainingapp.web import STATIC_IMMUTABLE


def digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=6).hexdigest()


def test_a_page_links_static_files_with_their_fingerprint(app: Flask, client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    expected = digest(Path(app.static_folder or "", "css", "app.css"))
    assert f'href="/static/css/app.css?v={expected}"' in html
    bootstrap = re.search(r'href="(/bootstrap/static/css/bootstrap\.min\.css\?v=\w+)"', html)
    assert bootstrap is not None  # the vendored Bootstrap too
    for url in (f"/static/css/app.css?v={expected}", bootstrap.group(1)):
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == STATIC_IMMUTABLE
            assert "max-age=31536000" in response.headers["Cache-Control"]
            assert "Expires" not in response.headers


def test_an_old_or_missing_fingerprint_serves_the_file_for_a_short_time(
    app: Flask, client: FlaskClient
) -> None:
    content = Path(app.static_folder or "", "css", "app.css").read_bytes()
    for url in ("/static/css/app.css?v=0123456789ab", "/static/css/app.css"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.data == content
            cache_control = response.headers["Cache-Control"]
            assert "max-age=0" in cache_control
            assert "immutable" not in cache_control


def test_a_changed_file_gets_a_new_address(app: Flask, tmp_path: Path) -> None:
    """The fingerprint is of the content, read once per process: a new version deployed (a new
    process) is a new address."""
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "app.css").write_text("body { color: black }")
    app.static_folder = str(static)
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="css/app.css")
        app.extensions.pop("trainingapp.static_fingerprints")
        (static / "css" / "app.css").write_text("body { color: navy }")
        second = url_for("static", filename="css/app.css")
        missing = url_for("static", filename="css/none.css")
    assert first != second
    assert second == f"/static/css/app.css?v={digest(static / 'css' / 'app.css')}"
    assert missing == "/static/css/none.css"
