"""safe_next_url: only paths on this site, never an open redirect."""

from __future__ import annotations

import pytest

from trainingapp.common.urls import safe_next_url


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/manage/",
        "/manage/?page=2",
        "/manage/events/3/registrations?q=nguy%E1%BB%85n&status=confirmed#list",
        "/events/tap-huan-2026",
    ],
)
def test_paths_on_this_site_are_kept(target: str) -> None:
    assert safe_next_url(target) == target


def test_surrounding_spaces_are_dropped() -> None:
    assert safe_next_url("  /manage/  ") == "/manage/"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "///evil.example",
        "http://evil.example",
        "https://evil.example/manage/",
        "HTTP://evil.example",
        "http:/evil.example",
        "http:evil.example",
        "\\\\evil.example",
        "/\\evil.example",  # browsers read a backslash as a slash: //evil.example
        "\\/evil.example",
        "/\t/evil.example",  # browsers drop tabs and newlines inside URLs
        "/\n/evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:someone@example.vn",
        "manage/",  # relative paths are not accepted either
        "evil.example",
        "",
        None,
    ],
)
def test_other_targets_are_refused(target: str | None) -> None:
    assert safe_next_url(target) is None
