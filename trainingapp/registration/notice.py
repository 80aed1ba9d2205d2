"""The personal data notice's version (Law 91/2025/QH15, Decree 356/2025/ND-CP): the one place it
is kept. The notice page shows it and each registration records the version it agreed to, so a
new wording gets a new version here (e.g. "2026-07")."""

from __future__ import annotations

NOTICE_VERSION = "2026-01"
