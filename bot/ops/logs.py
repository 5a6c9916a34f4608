"""Logging set-up: one line per event (text or JSON), the task it is about, no secrets.

Every record passes a filter that blanks out the token, the API key and the webhook secret,
and another that stamps it with the task, user and chat the current coroutine works on.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

# What the current coroutine works on; asyncio copies these into every task it starts.
_TASK_ID: ContextVar[int | None] = ContextVar("task_id", default=None)
_USER_ID: ContextVar[int | None] = ContextVar("user_id", default=None)
_CHAT_ID: ContextVar[int | None] = ContextVar("chat_id", default=None)
CONTEXT_FIELDS = ("task_id", "user_id", "chat_id")
_VARS = {"task_id": _TASK_ID, "user_id": _USER_ID, "chat_id": _CHAT_ID}


def bind(
    *, task_id: int | None = None, user_id: int | None = None, chat_id: int | None = None
) -> None:
    """Tag every later log line of this coroutine (and tasks it starts); None leaves a field."""
    for name, value in (("task_id", task_id), ("user_id", user_id), ("chat_id", chat_id)):
        if value is not None:
            _VARS[name].set(value)


@contextlib.contextmanager
def log_context(
    *, task_id: int | None = None, user_id: int | None = None, chat_id: int | None = None
) -> Iterator[None]:
    """Like bind(), and everything bound inside is undone on leaving the block."""
    tokens = [
        (var, var.set(var.get() if value is None else value))
        for var, value in ((_TASK_ID, task_id), (_USER_ID, user_id), (_CHAT_ID, chat_id))
    ]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if secret and len(secret) >= 6 and secret not in self._secrets:
            # Longest first, so a secret containing another is blanked whole.
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        # Render once, then redact: secrets can hide in args and in exception text (URLs).
        message = record.getMessage()
        if record.exc_info:
            formatter = logging.Formatter()
            message = f"{message}\n{formatter.formatException(record.exc_info)}"
            record.exc_info = None
            record.exc_text = None
        if record.stack_info:
            message = f"{message}\n{record.stack_info}"
            record.stack_info = None
        record.msg = self._clean(message)
        record.args = None
        return True


class TaskContext(logging.Filter):
    """Copies the coroutine's task, user and chat onto the record (an `extra=` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


def _context_text(record: logging.LogRecord) -> str:
    parts = [
        f"{name.removesuffix('_id')}={value}"
        for name in CONTEXT_FIELDS
        if (value := getattr(record, name, None)) is not None
    ]
    return f" [{' '.join(parts)}]" if parts else ""


class TextFormatter(logging.Formatter):
    """For people: `time LEVEL logger: message [task=… user=… chat=…]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = _context_text(record)
        if not context:
            return text
        # After the first line, so a traceback below it stays as Python prints it.
        first, sep, rest = text.partition("\n")
        return f"{first}{context}{sep}{rest}"


class JsonFormatter(logging.Formatter):
    """For machines: one JSON object per line, tracebacks included in `message`."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:  # only when no RedactSecrets ran before (it folds them in)
            message = f"{message}\n{self.formatException(record.exc_info)}"
        entry: dict[str, Any] = {
            "time": _iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


def _iso_time(created: float) -> str:
    millis = int(created * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{millis:03d}Z"


def setup_logging(
    secrets: Iterable[str], level: int = logging.INFO, fmt: str = "text"
) -> RedactSecrets:
    """One handler on the root logger, so every library's lines pass the same filters."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    redact = RedactSecrets(secrets)
    handler.addFilter(redact)
    handler.addFilter(TaskContext())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Chatty libraries: httpx logs every request URL at INFO, httpcore every socket step,
    # aiosqlite every statement with its parameters (prompts, names): warnings only.
    for chatty in ("httpx", "httpcore", "aiosqlite", "PIL", "asyncio"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return redact


def redact_also(secret: str) -> None:
    """A secret learnt after start-up (the stored webhook secret) is blanked out from now on."""
    for handler in logging.getLogger().handlers:
        for flt in handler.filters:
            if isinstance(flt, RedactSecrets):
                flt.add(secret)
