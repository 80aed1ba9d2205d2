"""The participant's QR code, read the way the check-in desk reads it: by the bundled jsQR in
Chromium, from the page's own inline SVG and from the saved PNG; and a screenshot of it by
zxing-cpp (a standard decoder that also knows Micro QR, so a Micro QR symbol fails on its format).
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from tests.factories import make_event
from tests.factories import make_registration
from trainingapp.extensions import db

CODE = "HX7K2P"
QR_FORMATS = (
    zxingcpp.BarcodeFormat.QRCode
    if hasattr(zxingcpp.BarcodeFormat, "QRCodeModel2")  # zxing-cpp 3: the family, Micro QR too
    else zxingcpp.BarcodeFormat.QRCode | zxingcpp.BarcodeFormat.MicroQRCode
)

#: draws an image (the page's SVG serialised, or a URL) on a white canvas at ``size`` px and
#: returns what jsQR reads there, the way static/js/checkin.js calls it
JSQR_DECODE = """
async ([source, size]) => {
  const image = new Image();
  if (source === "svg") {
    const svg = document.querySelector("#qr svg").cloneNode(true);
    svg.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    svg.setAttribute("width", size);
    svg.setAttribute("height", size);
    const markup = new XMLSerializer().serializeToString(svg);
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(markup);
  } else {
    image.src = source;
  }
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, size, size);
  context.imageSmoothingEnabled = false;
  context.drawImage(image, 0, 0, size, size);
  const pixels = context.getImageData(0, 0, size, size);
  const found = window.jsQR(pixels.data, size, size, {inversionAttempts: "dontInvert"});
  return found && {text: found.data, version: found.version};
}
"""


def _seed(app) -> tuple[str, str]:
    """A confirmed registration of an upcoming course; returns its manage token and the
    course's slug."""
    with app.app_context():
        event = make_event(db.session, title="Lớp tập huấn thông tin đối ngoại")
        registration = make_registration(
            db.session, event, full_name="Nguyễn Thị Mai", checkin_code=CODE
        )
        db.session.commit()
        return registration.manage_token, event.slug


def test_jsqr_and_zxing_read_the_page_qr_code(live_server, new_page):
    token, slug = _seed(live_server.app)
    page = new_page(width=390, height=844)
    page.goto(f"/r/{token}")
    qr = page.locator("#qr svg")
    qr.wait_for()
    box = qr.bounding_box()
    assert box is not None
    assert box["width"] >= 200  # not tiny on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.add_script_tag(url="/static/vendor/jsqr/jsQR.js")
    page.wait_for_function("() => typeof window.jsQR === 'function'")
    # The page's own SVG, at 8 px per module (29 modules with the quiet zone).
    from_svg = page.evaluate(JSQR_DECODE, ["svg", 232])
    assert from_svg == {"text": CODE, "version": 1}  # jsQR reads standard QR only
    # The image behind "Save the QR image".
    download = page.locator("#qr-download")
    assert download.get_attribute("download") == f"{slug}-{CODE}.png"
    href = download.get_attribute("href")
    assert href == f"/r/{token}/qr.png"
    from_png = page.evaluate(JSQR_DECODE, [href, 232])
    assert from_png == {"text": CODE, "version": 1}

    # What a phone camera would see on the screen.
    shot = Image.open(io.BytesIO(page.locator("#qr").screenshot()))
    found = [(b.text, b.format) for b in zxingcpp.read_barcodes(shot, QR_FORMATS)]
    assert found == [(CODE, zxingcpp.BarcodeFormat.QRCode)]
