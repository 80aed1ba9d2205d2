"""gunicorn's logger for TrainingApp (``logger_class`` in ``gunicorn_conf.py``): access log lines
without secret links or searched names (``trainingapp.access_log``)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from .access_log import redact_atoms


class AccessLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, its access log lines redacted (``access_log.redact_atoms``)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        return redact_atoms(super().atoms(resp, req, environ, request_time), environ)
