"""Logs: every record carries the id of the request it was written in, as text or one JSON object a line.

`TALENT_TRAINING_LOG_FORMAT=json` is for log pipelines. Nothing logged here ever holds a secret: callers are
named by their key's public prefix, and no header or body is logged.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
NO_REQUEST = "-"
# What every record carries, besides logging's own attributes (the access line adds its fields).
ACCESS_FIELDS = ("method", "route", "path", "status", "duration_ms", "actor")


def install_request_ids() -> None:
    """From now on every log record of this process has `request_id`: the request's, or "-" outside one.

    A record factory rather than a filter: filters on a logger do not apply to its children's records."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get() or NO_REQUEST
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", NO_REQUEST),
            "message": record.getMessage(),
        }
        for field in ACCESS_FIELDS:
            if hasattr(record, field):
                out[field] = getattr(record, field)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out).decode()


def logging_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the server: ours and uvicorn's records, one format, to stderr."""
    formatter = "json" if log_format == "json" else "text"
    handler = {"class": "logging.StreamHandler", "formatter": formatter, "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": {"()": "talent_training.web.logs.TextFormatter"},
            "json": {"()": "talent_training.web.logs.JsonFormatter"},
        },
        "handlers": {"stderr": handler},
        "loggers": {
            "talent_training": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            # Our access line replaces uvicorn's (it names the route, the caller and the request id).
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
