"""A Bot API call as text and back, so that one process can hand a message to another through
the database (the outbox) and the other sends exactly what the first one meant."""

from __future__ import annotations

import json
from typing import Any

from aiogram import methods
from aiogram.methods import TelegramMethod


def pack(method: TelegramMethod[Any]) -> str:
    # Only what was set: fields left to the bot's defaults (parse mode…) keep them over there.
    params = json.loads(method.model_dump_json(exclude_unset=True))
    return json.dumps({"method": type(method).__name__, "params": params}, ensure_ascii=False)


def unpack(text: str) -> TelegramMethod[Any]:
    data = json.loads(text)
    name = data["method"]
    kind = getattr(methods, name, None)
    if not (isinstance(kind, type) and issubclass(kind, TelegramMethod)):
        raise ValueError(f"not a Bot API method: {name!r}")
    method: TelegramMethod[Any] = kind.model_validate(data["params"])
    return method
