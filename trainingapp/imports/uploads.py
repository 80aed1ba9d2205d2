"""Where uploaded lists wait between the upload, the preview and the confirmation: files in
``instance/imports`` (or ``IMPORT_FOLDER``), named by an unguessable token, readable only by the
account that uploaded them, for that course, for a day."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import current_app

from ..common.text import clean

_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_AGE_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(
        current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports"
    )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _paths(token: str) -> tuple[Path, Path] | None:
    if not _TOKEN.fullmatch(token or ""):
        return None
    folder = _folder()
    return folder / f"{token}.upload", folder / f"{token}.json"


def _sweep(folder: Path) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in folder.iterdir():
        try:
            if path.suffix in (".upload", ".json") and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue  # another worker removed it first


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def save(data: bytes, filename: str, event_id: int, user_id: int) -> str:
    """Keep an uploaded file until its import is confirmed or cancelled; returns its token."""
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    meta = {
        "event_id": event_id,
        "user_id": user_id,
        "filename": clean(filename)[:200],
        "mapping": None,
    }
    _write_new(folder / f"{token}.upload", data)
    _write_new(folder / f"{token}.json", json.dumps(meta).encode())
    return token


def load(token: str, event_id: int, user_id: int) -> tuple[bytes, dict[str, Any]] | None:
    """The upload with this token, if it is this account's, for this course, and not stale."""
    paths = _paths(token)
    if paths is None:
        return None
    upload, meta_path = paths
    try:
        meta = json.loads(meta_path.read_text())
        if time.time() - meta_path.stat().st_mtime > MAX_AGE_SECONDS:
            return None
        data = upload.read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("event_id") != event_id or meta.get("user_id") != user_id:
        return None
    return data, meta


def save_mapping(token: str, meta: dict[str, Any], mapping: list[str | None]) -> None:
    paths = _paths(token)
    if paths is not None:
        paths[1].write_text(json.dumps({**meta, "mapping": mapping}))


def discard(token: str) -> None:
    paths = _paths(token)
    for path in paths or ():
        path.unlink(missing_ok=True)
