"""A forged Host header changes no link: with BASE_URL set, only its host (and this machine's
own names) is answered, and links in mail are built from BASE_URL, never from the request."""

from __future__ import annotations

from typing import Any

import pytest

from trainingapp import create_app

from .conftest import read_mail
from .test_views import post
from .test_views import registrations

BASE = "https://taphuan.example.gov.vn/"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "BASE_URL": BASE}


def _resend(client: Any, host: str) -> Any:
    return client.post(
        "/events/lop-1/register/resend",
        data={"phone": "0905123456", "email": ""},
        headers={"Host": host},
    )


def test_a_forged_host_is_refused_and_sends_nothing(app, client, make_event, outbox):
    make_event()
    post(client)
    before = len(read_mail(outbox))
    response = _resend(app.test_client(), "evil.example")
    assert response.status_code == 400
    assert "this host name is not served here" in response.get_data(as_text=True)
    assert len(read_mail(outbox)) == before


def test_links_in_mail_come_from_base_url_whatever_host_the_request_used(
    app, client, make_event, outbox
):
    make_event()
    post(client)
    (registration,) = registrations(app)
    assert _resend(app.test_client(), "127.0.0.1:5000").status_code == 303
    body = read_mail(outbox)[-1].get_body(preferencelist=("plain",)).get_content()
    assert f"{BASE}r/{registration.manage_token}" in body
    assert "127.0.0.1" not in body


def test_trusted_hosts_come_from_base_url_or_the_setting(app_config):
    assert create_app(app_config).config["TRUSTED_HOSTS"] == [
        "taphuan.example.gov.vn",
        "localhost",
        "127.0.0.1",
    ]
    named = create_app({**app_config, "TRUSTED_HOSTS": "a.example.vn, 10.0.0.5"})
    assert named.config["TRUSTED_HOSTS"] == ["a.example.vn", "10.0.0.5"]
    open_to_all = create_app({**app_config, "BASE_URL": None})
    assert open_to_all.config["TRUSTED_HOSTS"] is None  # a laptop's flask run needs no set-up
