"""Translation catalogues: ``flask --app trainingapp translate extract|update|compile|check``.

Source strings are English, wrapped in ``_()`` / ``_l()`` in Python and ``{{ _("...") }}`` in
templates; ``babel.cfg`` at the project root says where they are. Catalogues live in
``trainingapp/translations/<locale>/LC_MESSAGES/messages.po`` and the compiled ``messages.mo`` next to
it; Flask-Babel reads only the ``.mo``, so both are committed (an editable install needs no build step).

After adding or changing a string::

    flask --app trainingapp translate update    # extract afresh, merge new strings into every .po
    # translate the new entries (empty msgstr, or marked "#, fuzzy": fix, then delete that line)
    flask --app trainingapp translate compile   # .po -> .mo
    python -m pytest tests/test_translations.py # or: flask --app trainingapp translate check

``translate extract`` writes ``messages.pot`` for translation tools (not needed by the steps above).
A new language: ``translate extract``, then ``pybabel init -i trainingapp/translations/messages.pot
-d trainingapp/translations -l <code>``, add the code to ``LANGUAGES``, and go on as above.

Every path is computed from the package location, so the commands work from any directory.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import click
from babel.messages.catalog import Catalog
from babel.messages.catalog import Message
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import read_mo
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

try:
    from babel.messages.frontend import parse_mapping_cfg
except ImportError:  # Babel < 2.16
    from babel.messages.frontend import parse_mapping as parse_mapping_cfg

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
MAPPING_FILE = PROJECT_ROOT / "babel.cfg"
TRANSLATIONS_DIR = PACKAGE_ROOT / "translations"
DOMAIN = "messages"
PROJECT = "TrainingApp"


def load_mapping() -> tuple[
    list[tuple[str, str]], dict[str, dict[str, Any]], dict[str, Any], list[str]
]:
    """``babel.cfg`` as (method map, options map, keywords, comment tags)."""
    with MAPPING_FILE.open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(MAPPING_FILE))  # type: ignore[no-untyped-call]
    # Lift per-section keywords and comment tags to the whole run (older Babel ignores them per
    # section, so an `_l("...")` string would be missed silently).
    keywords: dict[str, Any] = dict(DEFAULT_KEYWORDS)
    comment_tags: set[str] = set()
    for options in options_map.values():
        extra = options.pop("keywords", None)
        if isinstance(extra, str):
            extra = parse_keywords(extra.split())
        keywords.update(extra or {})
        tags = options.pop("add_comments", None) or ()
        comment_tags.update(tags.split() if isinstance(tags, str) else tags)
    return method_map, options_map, keywords, sorted(comment_tags)


def extract_messages() -> Catalog:
    """Every translatable string in the sources that ``babel.cfg`` maps, as a template catalogue."""
    method_map, options_map, keywords, comment_tags = load_mapping()
    template = Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        PROJECT_ROOT,
        method_map,
        options_map,
        keywords=keywords,
        comment_tags=comment_tags,
        strip_comment_tags=True,
    ):
        location = (Path(filename).as_posix(), lineno)
        template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def po_files() -> list[Path]:
    return sorted(TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read_catalog(po_path: Path) -> Catalog:
    locale = po_path.parent.parent.name
    with po_path.open("rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN)


def is_translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings)


def message_label(message: Message) -> str:
    """``"msgid"  (file:line, ...)`` for reports."""
    msgid = message.id if isinstance(message.id, str) else " / ".join(message.id)
    context = f"[{message.context}] " if message.context else ""
    where = ", ".join(f"{path}:{line}" if line else path for path, line in message.locations)
    return f"{context}{msgid!r}" + (f"  ({where})" if where else "")


@dataclass
class Problems:
    """What keeps a catalogue from matching the sources."""

    missing: list[Message] = field(default_factory=list)
    untranslated: list[Message] = field(default_factory=list)
    fuzzy: list[Message] = field(default_factory=list)
    errors: list[tuple[Message, list[str]]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.untranslated or self.fuzzy or self.errors)

    def lines(self) -> Iterator[str]:
        sections = (
            ("not in the catalogue (run `translate update`)", self.missing),
            ("untranslated", self.untranslated),
            ("fuzzy (check the translation, then delete the '#, fuzzy' line)", self.fuzzy),
        )
        for title, messages in sections:
            if messages:
                yield f"{len(messages)} {title}:"
                yield from (f"  {message_label(m)}" for m in messages)
        if self.errors:
            yield f"{len(self.errors)} with a broken translation (placeholders must match):"
            for message, errors in self.errors:
                yield f"  {message_label(message)}: {'; '.join(errors)}"


def find_problems(template: Catalog, catalog: Catalog) -> Problems:
    """Strings of ``template`` that ``catalog`` lacks, leaves untranslated or marks fuzzy."""
    problems = Problems()
    for wanted in template:
        if not wanted.id:
            continue  # the header
        message = catalog.get(wanted.id, wanted.context)
        if message is None:
            problems.missing.append(wanted)
        elif message.fuzzy:
            problems.fuzzy.append(wanted)
        elif not is_translated(message):
            problems.untranslated.append(wanted)
    for message, errors in catalog.check():
        if not message.fuzzy:  # fuzzy entries stay out of the .mo and are reported above
            problems.errors.append((message, [str(error) for error in errors]))
    return problems


def compile_catalog(catalog: Catalog) -> bytes:
    """The ``.mo`` bytes for ``catalog`` (fuzzy entries left out, as gettext does)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _hashable(value: Any) -> Any:
    """Plural ids and strings come back from ``read_mo`` as lists."""
    return tuple(value) if isinstance(value, list) else value


def mo_messages(data: bytes) -> dict[Any, Any]:
    """What a ``.mo`` makes gettext answer: ``{(msgid, context): msgstr}`` and the plural rule."""
    catalog = read_mo(io.BytesIO(data))
    messages: dict[Any, Any] = {
        (_hashable(m.id), m.context): _hashable(m.string) for m in catalog if m.id
    }
    messages["Plural-Forms"] = catalog.plural_forms
    return messages


def mo_in_sync(po_path: Path, catalog: Catalog | None = None) -> bool:
    """Whether the committed ``.mo`` next to ``po_path`` says what compiling the ``.po`` would."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return False
    catalog = catalog if catalog is not None else read_catalog(po_path)
    return mo_messages(mo_path.read_bytes()) == mo_messages(compile_catalog(catalog))


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


@click.group("translate")
def translate_cli() -> None:
    """Extract, update and compile the translation catalogues (see trainingapp/i18n_cli.py)."""


@translate_cli.command("extract")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=TRANSLATIONS_DIR / f"{DOMAIN}.pot",
    show_default=True,
    help="Where to write the template.",
)
def extract_command(output: Path) -> None:
    """Write every translatable string to a .pot template."""
    template = extract_messages()
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as f:
        write_po(f, template, width=100, include_lineno=False)
    click.echo(f"{len(template)} strings -> {_relative(output)}")


@translate_cli.command("update")
def update_command() -> None:
    """Extract afresh and merge new and changed strings into every .po; drop removed ones."""
    paths = po_files()
    if not paths:
        raise click.ClickException(f"no {DOMAIN}.po under {_relative(TRANSLATIONS_DIR)}")
    template = extract_messages()
    for po_path in paths:
        catalog = read_catalog(po_path)
        catalog.update(template, update_creation_date=False)
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=100, ignore_obsolete=True, include_lineno=False)
        if po_path.read_bytes() != buffer.getvalue():
            po_path.write_bytes(buffer.getvalue())
        problems = find_problems(template, catalog)
        click.echo(f"{_relative(po_path)}: {len(template)} strings")
        for line in problems.lines():
            click.echo(f"  {line}")


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile every .po into the .mo that Flask-Babel loads."""
    paths = po_files()
    if not paths:
        raise click.ClickException(f"no {DOMAIN}.po under {_relative(TRANSLATIONS_DIR)}")
    for po_path in paths:
        catalog = read_catalog(po_path)
        broken = [
            f"  {message_label(m)}: {'; '.join(map(str, e))}"
            for m, e in catalog.check()
            if not m.fuzzy
        ]
        if broken:
            raise click.ClickException(
                f"{_relative(po_path)} has broken translations:\n" + "\n".join(broken)
            )
        mo_path = po_path.with_suffix(".mo")
        mo_path.write_bytes(compile_catalog(catalog))
        pending = sum(1 for m in catalog if m.id and (m.fuzzy or not is_translated(m)))
        note = f" ({pending} untranslated or fuzzy: shown in English)" if pending else ""
        click.echo(f"{_relative(po_path)} -> {mo_path.name}{note}")


@translate_cli.command("check")
def check_command() -> None:
    """Fail if a string is missing, untranslated or fuzzy, or a .mo is older than its .po."""
    template = extract_messages()
    failed = False
    for po_path in po_files():
        catalog = read_catalog(po_path)
        problems = find_problems(template, catalog)
        stale = not mo_in_sync(po_path, catalog)
        if problems or stale:
            failed = True
            click.echo(f"{_relative(po_path)}:")
            for line in problems.lines():
                click.echo(f"  {line}")
            if stale:
                click.echo(f"  {DOMAIN}.mo is missing or out of date (run `translate compile`)")
        else:
            click.echo(f"{_relative(po_path)}: all {len(template)} strings translated")
    if failed:
        raise SystemExit(1)
