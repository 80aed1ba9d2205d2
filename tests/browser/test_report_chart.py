"""The attendance report's charts on the seed-demo's reference course (units with long names),
at 390 px and 1280 px: every label starts inside its drawing (none cut at the left)."""

from __future__ import annotations

import pytest

from tests.browser.test_checkin import _login as sign_in
from tests.conftest import PASSWORD
from trainingapp.auth.models import Role
from trainingapp.auth.services import create_user
from trainingapp.demo.services import seed_demo
from trainingapp.extensions import db

EMAIL = "quan.tri@example.vn"
LABELS = """() => [...document.querySelectorAll('svg text[text-anchor=end]')]
    .map(t => [t.textContent, t.getBBox().x])"""


@pytest.mark.parametrize("width", [390, 1280])
def test_no_chart_label_is_cut_at_the_left(live_server, new_page, width):
    with live_server.app.app_context():
        reference = seed_demo().reference
        create_user(EMAIL, PASSWORD, Role.ADMIN)
        db.session.commit()
        event_id = reference.id
    page = new_page(width=width, height=900)
    sign_in(page, EMAIL)
    page.goto(f"/manage/events/{event_id}/report")
    labels = page.evaluate(LABELS)
    assert len(labels) > 20  # sessions, unit kinds and the demo's units
    cut = [text for text, x in labels if x < 0]
    assert cut == []
