"""Static files: fingerprinted addresses in every page, kept for a year at their current
fingerprint, revalidated at once at any other (an old page, a hand-typed address)."""

from __future__ import annotations

import gzip
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


def test_text_files_are_sent_gzipped_to_browsers_that_take_it(
    app: Flask, client: FlaskClient
) -> None:
    html = client.get("/").get_data(as_text=True)
    found = re.search(r'href="(/bootstrap/static/css/bootstrap\.min\.css\?v=\w+)"', html)
    assert found is not None
    url = found.group(1)
    with client.get(url) as plain:  # no Accept-Encoding: the file as it is
        assert "Content-Encoding" not in plain.headers
        content = plain.data
        plain_etag = plain.headers["ETag"]
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"}) as response:
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert gzip.decompress(response.data) == content
        assert int(response.headers["Content-Length"]) == len(response.data)
        # Bootstrap's CSS, the largest file of every page, shrinks by more than 5 times.
        assert len(response.data) * 5 < len(content)
        assert response.headers["Cache-Control"] == STATIC_IMMUTABLE
        assert response.headers["ETag"] != plain_etag
        gzip_etag = response.headers["ETag"]
    # A browser revalidating its gzipped copy gets a 304.
    headers = {"Accept-Encoding": "gzip", "If-None-Match": gzip_etag}
    with client.get(url.split("?")[0], headers=headers) as response:
        assert response.status_code == 304
        assert response.data == b""
    # Our own CSS is under 1 KB: not worth it.
    small = Path(app.static_folder or "", "css", "app.css")
    assert small.stat().st_size < 1024
    with client.get(
        f"/static/css/app.css?v={digest(small)}", headers={"Accept-Encoding": "gzip"}
    ) as response:
        assert "Content-Encoding" not in response.headers
        assert response.data == small.read_bytes()


def test_images_and_ranges_are_sent_as_they_are(app: Flask, client: FlaskClient) -> None:
    with client.get(
        "/static/css/app.css", headers={"Range": "bytes=0-9", "Accept-Encoding": "gzip"}
    ) as response:
        assert response.status_code == 206
        assert "Content-Encoding" not in response.headers
        assert len(response.data) == 10
    icons = [p for p in Path(app.static_folder or "").rglob("*.png")]
    assert icons
    name = icons[0].relative_to(app.static_folder or "").as_posix()
    with client.get(f"/static/{name}", headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        assert response.data == icons[0].read_bytes()
