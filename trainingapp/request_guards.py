"""Requests no page can answer, refused before any view runs (with 400 or 404, never 500):

- a NUL character in the path: PostgreSQL cannot compare one, so the first query with it
  would fail (no page's address holds one: 404; forms and searches clean their own input);
- an id in the path beyond the database's 32-bit integer columns (the routes' ``int`` accepts
  any size): no such row;
- a list ``page`` beyond any list's length: its offset would overflow SQLite's integers.

Staff pages (``/manage``) hold personal data: none of them may be kept by a browser's or a
proxy's cache (``Cache-Control: no-store``) unless the view chose its own caching.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask import Response
from flask import abort
from flask import request

#: the largest value of the 32-bit integer columns (PostgreSQL's ``integer``)
MAX_ID = 2**31 - 1
#: the largest page number a list is asked for (50 rows a page: 50 million rows)
MAX_PAGE = 1_000_000


def _refuse_what_no_page_answers() -> None:
    if "\x00" in request.path:
        abort(404)
    page = request.args.get("page", "")
    if page.isdigit() and int(page) > MAX_PAGE:
        abort(404)


def _no_large_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and any(isinstance(v, int) and not -MAX_ID <= v <= MAX_ID for v in values.values()):
        abort(404)


def _no_store_for_staff_pages(response: Response) -> Response:
    if request.path.startswith("/manage") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def register_request_guards(app: Flask) -> None:
    app.url_value_preprocessor(_no_large_ids)
    app.before_request(_refuse_what_no_page_answers)
    app.after_request(_no_store_for_staff_pages)
