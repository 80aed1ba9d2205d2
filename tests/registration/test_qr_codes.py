"""The check-in QR code is a standard QR code everywhere (SPEC rule 5), never Micro QR.

segno's ``make`` picks a Micro QR symbol for a 6-character code, which jsQR (the check-in
page's scanner) and most phone camera apps cannot read. These tests decode what the participant
gets (the page's inline SVG, the PNG route, the mail's inline image) with a standard decoder,
zxing-cpp, and check it reports a standard QR code.

:func:`decode` looks for QR and Micro QR symbols alike (zxing-cpp 3's ``QRCode`` filter is the
whole family, Micro QR included; 2.x needs both named), so a Micro QR symbol is found and fails
on its format (``MicroQRCode``) rather than on "nothing found".
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from email import policy
from email.message import EmailMessage
from email.message import Message
from email.parser import BytesParser
from typing import Any

import pytest
import segno
import zxingcpp
from PIL import Image

from tests.factories import make_event
from tests.factories import make_registration
from trainingapp.extensions import db
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus
from trainingapp.registration.notifications import MailKind
from trainingapp.registration.notifications import compose
from trainingapp.registration.tokens import QR_BORDER
from trainingapp.registration.tokens import checkin_qr
from trainingapp.registration.tokens import qr_png
from trainingapp.registration.tokens import qr_svg

#: a realistic code: 6 characters of CHECKIN_ALPHABET
CODE = "HX7K2P"
QR_FORMATS = (
    zxingcpp.BarcodeFormat.QRCode
    if hasattr(zxingcpp.BarcodeFormat, "QRCodeModel2")  # zxing-cpp 3: the family
    else zxingcpp.BarcodeFormat.QRCode | zxingcpp.BarcodeFormat.MicroQRCode
)


def decode(image: bytes | Image.Image) -> list[tuple[str, zxingcpp.BarcodeFormat]]:
    """(text, format) of every QR or Micro QR symbol zxing-cpp finds in a PNG or image."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
        image.load()
    return [(found.text, found.format) for found in zxingcpp.read_barcodes(image, QR_FORMATS)]


def assert_standard_qr(image: bytes | Image.Image, code: str) -> None:
    assert decode(image) == [(code, zxingcpp.BarcodeFormat.QRCode)]


def svg_to_image(svg: str, scale: int = 8) -> Image.Image:
    """Rasterize segno's inline SVG (a dark path of horizontal runs, ``M x y`` / ``m dx dy`` /
    ``h n``, drawn at half-module heights) the way a browser would, on white."""
    root = ET.fromstring(svg)  # noqa: S314  (our own page's markup)
    x0, y0, width, height = (int(float(n)) for n in root.attrib["viewBox"].split())
    image = Image.new("L", (width * scale, height * scale), 255)
    pixels = image.load()
    assert pixels is not None
    for path in root.iter("path"):
        if path.get("class") != "qrline":
            continue  # the white background
        x = y = 0.0
        for command, args in re.findall(r"([MmHh])([^MmHh]*)", path.attrib["d"]):
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
            if command == "M":
                x, y = numbers
            elif command == "m":
                x, y = x + numbers[0], y + numbers[1]
            else:
                end = x + numbers[0] if command == "h" else numbers[0]
                row = int(y)
                for column in range(int(min(x, end)), int(max(x, end))):
                    for dy in range(scale):
                        for dx in range(scale):
                            pixels[(column - x0) * scale + dx, (row - y0) * scale + dy] = 0
                x = end
    return image


def parts(message: Message) -> list[Message]:
    return list(message.walk())


def structure(message: Message) -> Any:
    """The MIME tree as nested content types: ``("multipart/mixed", [...])``."""
    if message.is_multipart():
        payload = message.get_payload()
        assert isinstance(payload, list)
        return (message.get_content_type(), [structure(part) for part in payload])
    return message.get_content_type()


def wire(message: Message) -> EmailMessage:
    """The message as the recipient's client reads it: serialised, then parsed again."""
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def body_of(message: EmailMessage, content_type: str) -> str:
    (part,) = [p for p in message.walk() if p.get_content_type() == content_type]
    assert isinstance(part, EmailMessage)
    content = part.get_content()
    assert isinstance(content, str)
    return content


@pytest.fixture
def registration(app):
    """Make a registration of a new course (confirmed unless told); returns (id, token)."""

    def _make(**overrides: Any) -> tuple[int, str]:
        with app.app_context():
            event = make_event(db.session, title="Lớp tập huấn thông tin đối ngoại")
            overrides.setdefault("email", "an@example.vn")
            overrides.setdefault("checkin_code", CODE)
            made = make_registration(db.session, event, **overrides)
            db.session.commit()
            return made.id, made.manage_token

    return _make


def composed(app, registration_id: int, kind: MailKind) -> Message:
    with app.test_request_context("/"):
        found = db.session.get(Registration, registration_id)
        assert found is not None
        return compose(found, kind)


# -- the symbol -------------------------------------------------------------------------------


def test_segno_would_pick_micro_qr_for_a_checkin_code():
    """Why ``make_qr``: the bare ``make`` gives a Micro QR symbol to a code this short."""
    assert segno.make(CODE, error="m").is_micro


@pytest.mark.parametrize("code", [CODE, "AAAAAA", "222222", "K000001", "ABCDEFGHJKMN"])
def test_checkin_qr_is_standard_with_error_correction_m_or_better(code):
    qr = checkin_qr(code)
    assert not qr.is_micro
    assert not qr.designator.startswith("M")
    assert qr.error in {"M", "Q", "H"}
    assert_standard_qr(qr_png(code), code)


def test_png_has_eight_pixel_modules_and_a_four_module_quiet_zone():
    png = qr_png(CODE)
    image = Image.open(io.BytesIO(png)).convert("L")
    modules = 21 + 2 * QR_BORDER  # version 1
    assert QR_BORDER == 4
    assert image.size == (modules * 8, modules * 8)
    quiet = 4 * 8
    band = [image.getpixel((x, y)) for x in range(image.width) for y in range(quiet)]
    band += [image.getpixel((x, y)) for x in range(quiet) for y in range(image.height)]
    assert set(band) == {255}
    assert image.getpixel((quiet, quiet)) == 0  # the finder pattern starts right after it
    big = Image.open(io.BytesIO(qr_png(CODE, scale=12)))
    assert big.size == (modules * 12, modules * 12)


def test_svg_is_standard_qr_with_a_quiet_zone():
    svg = str(qr_svg(CODE, "Check-in code " + CODE))
    assert 'viewBox="0 0 29 29"' in svg  # 21 modules + 2 × 4
    assert "<title>Check-in code HX7K2P</title>" in svg
    assert_standard_qr(svg_to_image(svg), CODE)


# -- the participant's page and the PNG route ---------------------------------------------------


def test_png_route_serves_the_standard_qr_of_the_checkin_code(client, registration):
    _id, token = registration()
    response = client.get(f"/r/{token}/qr.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert response.headers["Content-Disposition"].endswith(f'-{CODE}.png"')
    assert_standard_qr(response.data, CODE)
    assert response.data == qr_png(CODE)


@pytest.mark.parametrize(
    "status",
    [
        RegistrationStatus.PENDING,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CANCELLED,
        RegistrationStatus.REJECTED,
    ],
)
def test_png_route_is_404_unless_confirmed(client, registration, status):
    _id, token = registration(status=status)
    assert client.get(f"/r/{token}/qr.png").status_code == 404
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "qr.png" not in html
    assert "<svg" not in html


def test_png_route_is_404_for_an_unknown_token(client):
    assert client.get("/r/" + "x" * 43 + "/qr.png").status_code == 404


def test_page_svg_is_the_standard_qr_and_links_the_png(client, registration):
    _id, token = registration()
    html = client.get(f"/r/{token}").get_data(as_text=True)
    (svg,) = re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL)
    assert 'class="qr-code"' in svg
    assert_standard_qr(svg_to_image(svg), CODE)  # the page's own markup, decoded
    assert re.search(
        rf'<p[^>]*id="checkin-code"[^>]*>{CODE}</p>', html
    )  # the code written beside it
    link = re.search(r'<a [^>]*id="qr-download"[^>]*>', html)
    assert link is not None
    assert f'href="/r/{token}/qr.png"' in link.group(0)
    assert re.search(rf'download="[a-z0-9-]+-{CODE}\.png"', link.group(0))
    assert "Save the QR image" in html


# -- the mail ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", [MailKind.CONFIRMED, MailKind.PROMOTED, MailKind.APPROVED, MailKind.LINK]
)
def test_confirmed_mail_shows_the_qr_as_an_inline_png(app, registration, kind):
    registration_id, _token = registration()
    message = composed(app, registration_id, kind)
    assert structure(message) == (
        "multipart/mixed",
        [
            (
                "multipart/alternative",
                ["text/plain", ("multipart/related", ["text/html", "image/png"])],
            ),
            "text/calendar",
        ],
    )
    received = wire(message)
    html = body_of(received, "text/html")
    assert "<svg" not in html  # mail clients show no inline SVG
    (cid,) = re.findall(r'<img src="cid:([^"]+)"', html)
    (image,) = [p for p in received.walk() if p.get("Content-ID") == f"<{cid}>"]
    assert image.get_content_type() == "image/png"
    assert image.get_content_disposition() == "inline"
    png = image.get_payload(decode=True)
    assert isinstance(png, bytes)
    assert_standard_qr(png, CODE)
    size = Image.open(io.BytesIO(png)).size
    assert size[0] >= 200  # scannable from a phone screen
    assert f'width="{size[0]}"' in html
    assert re.search(rf'alt="[^"]*{CODE}[^"]*"', html)
    assert re.search(rf"font-family: [^>]*monospace[^>]*>{CODE}<", html)
    related = [p for p in received.walk() if p.get_content_type() == "multipart/related"]
    assert related[0].get_param("type") == "text/html"
    text = body_of(received, "text/plain")
    assert f"Check-in code: {CODE}" in text


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (RegistrationStatus.PENDING, MailKind.PENDING),
        (RegistrationStatus.WAITLISTED, MailKind.WAITLISTED),
        (RegistrationStatus.CANCELLED, MailKind.CANCELLED),
        (RegistrationStatus.REJECTED, MailKind.REJECTED),
        (RegistrationStatus.PENDING, MailKind.LINK),
        # queued as confirmed, cancelled before it was sent: composed as it is now
        (RegistrationStatus.CANCELLED, MailKind.CONFIRMED),
        (RegistrationStatus.CANCELLED, MailKind.PROMOTED),
    ],
)
def test_mail_without_a_confirmed_seat_has_no_qr(app, registration, status, kind):
    registration_id, _token = registration(status=status)
    message = composed(app, registration_id, kind)
    types = [part.get_content_type() for part in parts(message)]
    assert "image/png" not in types
    assert "multipart/related" not in types
    received = wire(message)
    html = body_of(received, "text/html")
    assert "cid:" not in html
    assert "<img" not in html
    assert CODE not in html
    assert CODE not in body_of(received, "text/plain")


def test_confirmed_mail_from_the_outbox_carries_the_qr(app, client, make_event, outbox):
    """The whole path: the public form queues the mail, the sender composes and delivers it."""
    from .conftest import form_data
    from .conftest import read_mail

    make_event()
    assert client.post("/events/lop-1/register", data=form_data()).status_code == 303
    (mail,) = read_mail(outbox)
    with app.app_context():
        code = db.session.query(Registration).one().checkin_code
    (image,) = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert_standard_qr(image.get_payload(decode=True), code)
    assert f"cid:{image['Content-ID'].strip('<>')}" in body_of(mail, "text/html")
    assert code in body_of(mail, "text/plain")


@pytest.mark.parametrize("kind", [MailKind.CANCELLED, MailKind.REJECTED])
def test_mail_about_a_seat_not_taken_carries_no_calendar_invite(app, registration, kind):
    """A calendar client would otherwise add (or keep) a course the person no longer attends."""
    status = "cancelled" if kind == MailKind.CANCELLED else "rejected"
    registration_id, _token = registration(status=status)
    message = composed(app, registration_id, kind)
    types = [part.get_content_type() for part in message.walk()]
    assert "text/calendar" not in types
    assert "image/png" not in types
    assert structure(message) == (
        "multipart/mixed",
        [("multipart/alternative", ["text/plain", "text/html"])],
    )
