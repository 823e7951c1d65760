"""Log formatters: ``LOG_FORMAT=json`` writes one JSON object per record (timestamp, level,
logger, message and the record's extra fields), for a log collector; the text format
appends the extra fields as ``key=value``. Chosen in ``settings.LOGGING``.
"""

from __future__ import annotations

import datetime
import json
import logging

# Everything a LogRecord carries by itself: what is left is what the caller passed in ``extra``.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def record_extra(record: logging.LogRecord) -> dict:
    """The fields given with ``logger.info(..., extra={...})``."""
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One line of JSON per record; values JSON cannot hold are written as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **record_extra(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The usual text line, followed by the record's extra fields as ``key=value``."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = " ".join(f"{key}={value}" for key, value in record_extra(record).items())
        if not extra:
            return text
        first, newline, rest = text.partition("\n")  # a traceback stays below the line
        return f"{first} {extra}{newline}{rest}"
