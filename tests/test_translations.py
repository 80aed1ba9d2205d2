"""The Vietnamese catalogue covers every English string in the sources, and the app shows it.

A failure here after you added or changed a string lists the strings concerned. To fix it:

    flask --app trainingapp translate update     # brings new strings into the .po
    # translate them in trainingapp/translations/vi/LC_MESSAGES/messages.po (SPEC.md "Words")
    flask --app trainingapp translate compile    # the .mo Flask-Babel loads; commit both
"""

from __future__ import annotations

import ast
import shutil
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po
from babel.util import pathmatch

from trainingapp import i18n_cli

HOW_TO_FIX = (
    "\nFix: `flask --app trainingapp translate update`, translate these entries in "
    "trainingapp/translations/vi/LC_MESSAGES/messages.po, then `flask --app trainingapp "
    "translate compile` (see trainingapp/i18n_cli.py)."
)
PO_FILES = i18n_cli.po_files()


def locale_of(po_path: Path) -> str:
    return po_path.parent.parent.name


@pytest.fixture(scope="module")
def template() -> Catalog:
    """The strings in the sources now, extracted as `translate update` does (babel.cfg)."""
    return i18n_cli.extract_messages()


def test_vietnamese_catalogue_is_where_flask_babel_looks(app):
    """Flask-Babel resolves its default "translations" folder against app.root_path."""
    from flask_babel import get_babel

    with app.app_context():
        directories = get_babel().translation_directories
    assert directories == [str(i18n_cli.TRANSLATIONS_DIR)]
    assert i18n_cli.TRANSLATIONS_DIR / "vi" / "LC_MESSAGES" / "messages.po" in PO_FILES


def test_babel_cfg_covers_every_source_file_and_gettext_alias():
    """A template in a new folder, or `from flask_babel import lazy_gettext as _x`, would be
    skipped by extraction without any error; this catches both."""
    method_map, _options, keywords, _tags = i18n_cli.load_mapping()

    def method(path: Path) -> str | None:
        relative = path.relative_to(i18n_cli.PROJECT_ROOT).as_posix()
        return next((m for pattern, m in method_map if pathmatch(pattern, relative)), None)

    root = i18n_cli.PROJECT_ROOT
    # Templates where they are now (mail's plain-text parts too), and any a package might bring.
    templates = [
        *(path for path in (root / "templates").rglob("*") if path.is_file()),
        *i18n_cli.PACKAGE_ROOT.rglob("*.html"),
    ]
    modules = [p for p in i18n_cli.PACKAGE_ROOT.rglob("*.py") if "migrations" not in p.parts]
    unmapped = [str(p) for p in templates if method(p) != "jinja2"]
    unmapped += [str(p) for p in modules if method(p) != "python"]
    assert not unmapped, "babel.cfg does not map:\n" + "\n".join(unmapped)

    unknown = [
        f"{path.relative_to(root)}:{node.lineno}: {alias.asname or alias.name}"
        for path in modules
        for node in ast.walk(ast.parse(path.read_bytes()))
        if isinstance(node, ast.ImportFrom) and node.module in {"flask_babel", "babel.support"}
        for alias in node.names
        if "gettext" in alias.name and (alias.asname or alias.name) not in keywords
    ]
    assert not unknown, "add these names to `keywords` in babel.cfg:\n" + "\n".join(unknown)


@pytest.mark.parametrize("po_path", PO_FILES, ids=locale_of)
def test_catalogue_translates_every_source_string(template, po_path):
    """(a) No msgid of the sources is missing, untranslated or fuzzy; placeholders match."""
    problems = i18n_cli.find_problems(template, i18n_cli.read_catalog(po_path))
    if problems:
        report = "\n".join(problems.lines())
        pytest.fail(f"{locale_of(po_path)} catalogue:\n{report}{HOW_TO_FIX}", pytrace=False)


@pytest.mark.parametrize("po_path", PO_FILES, ids=locale_of)
def test_committed_mo_matches_po(po_path):
    """(b) The .mo in the tree says what compiling the .po says (Flask-Babel reads only the .mo)."""
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), (
        f"{mo_path} is missing: run `flask --app trainingapp translate compile`"
    )
    compiled = i18n_cli.mo_messages(i18n_cli.compile_catalog(i18n_cli.read_catalog(po_path)))
    committed = i18n_cli.mo_messages(mo_path.read_bytes())
    differ = sorted(
        repr(key)
        for key in compiled.keys() | committed.keys()
        if compiled.get(key) != committed.get(key)
    )
    if differ:
        pytest.fail(
            f"{mo_path.name} is out of date for {len(differ)} entries (run `flask --app trainingapp "
            "translate compile`):\n  " + "\n  ".join(differ),
            pytrace=False,
        )


def test_pages_are_vietnamese_by_default_and_english_on_request(client):
    """(c) Default locale vi; POST /language/en switches to the English source strings."""
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page
    for text in (
        "Lớp tập huấn sắp diễn ra",
        "Lớp tập huấn đã tổ chức",
        "Đăng nhập dành cho cán bộ",
    ):
        assert text in page
    # A lazy string from Python code (the error pages) is translated too.
    assert "Không tìm thấy trang" in client.get("/no-such-page").get_data(as_text=True)

    response = client.post("/language/en", data={"next": "/"})
    assert response.status_code == 303

    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    for text in ("Upcoming courses", "Past courses", "Staff sign in"):
        assert text in page
    assert "Lớp tập huấn" not in page
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)


@pytest.mark.parametrize("po_path", PO_FILES, ids=locale_of)
def test_translations_are_nfc(po_path):
    """(d) Precomposed Vietnamese letters only (some keyboards send decomposed accents)."""
    decomposed = []
    for message in i18n_cli.read_catalog(po_path):
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        decomposed += [
            f"{message.id!r}: {s!r}" for s in strings if s and unicodedata.normalize("NFC", s) != s
        ]
    assert not decomposed, "not in Unicode NFC:\n" + "\n".join(decomposed)


def test_translate_commands(runner, tmp_path, monkeypatch):
    """update restores a forgotten string, check names it, compile writes the .mo (on a copy)."""
    copy = tmp_path / "translations"
    shutil.copytree(i18n_cli.TRANSLATIONS_DIR, copy)
    monkeypatch.setattr(i18n_cli, "TRANSLATIONS_DIR", copy)
    po_path = copy / "vi" / "LC_MESSAGES" / "messages.po"
    catalog = i18n_cli.read_catalog(po_path)
    forgotten = next(m for m in catalog if m.id and isinstance(m.id, str) and m.string)
    del catalog[forgotten.id]
    with po_path.open("wb") as f:
        write_po(f, catalog)
    po_path.with_suffix(".mo").unlink()

    result = runner.invoke(args=["translate", "extract", "-o", str(tmp_path / "messages.pot")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "messages.pot").open("rb") as f:
        assert forgotten.id in read_po(f)

    result = runner.invoke(args=["translate", "update"])
    assert result.exit_code == 0, result.output
    assert i18n_cli.read_catalog(po_path).get(forgotten.id) is not None

    result = runner.invoke(args=["translate", "compile"])
    assert result.exit_code == 0, result.output
    assert po_path.with_suffix(".mo").exists()

    result = runner.invoke(args=["translate", "check"])
    assert result.exit_code == 1
    assert repr(forgotten.id) in result.output
