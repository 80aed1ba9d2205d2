"""A form sent back with errors tells assistive technology which field is wrong and why."""

from __future__ import annotations

import re

from tests.registration.test_views import post


def test_invalid_fields_name_their_messages(app, client, make_event):
    make_event()
    response = post(client, full_name="", phone="12")
    html = response.get_data(as_text=True)
    for field in ("full_name", "phone"):
        tag = re.search(rf'<input[^>]*\bid="{field}"[^>]*>', html)
        assert tag, field
        assert 'aria-invalid="true"' in tag.group(0)
        described = re.search(r'aria-describedby="([^"]+)"', tag.group(0))
        assert described
        assert f"{field}-error" in described.group(1).split()
        message = re.search(
            rf'<div class="invalid-feedback d-block" id="{field}-error">([^<]+)', html
        )
        assert message
        assert message.group(1).strip()
    # A valid field is not marked.
    position = re.search(r'<input[^>]*\bid="position"[^>]*>', html)
    assert position
    assert "aria-invalid" not in position.group(0)
    assert "/static/js/form-errors.js" in html
