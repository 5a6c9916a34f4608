"""aiogram imported with deferred model builds still validates everything the Bot API sends.

Each case runs in a fresh interpreter: whether the deferral applies depends on import order.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_models_are_built_on_first_use_not_at_import() -> None:
    out = run_python(
        """
        import bot
        from aiogram.types import Update
        print(Update.__pydantic_complete__)
        update = Update.model_validate({
            "update_id": 1,
            "message": {
                "message_id": 5, "date": 1700000000, "text": "a cat",
                "chat": {"id": -100, "type": "supergroup", "title": "g"},
                "from": {"id": 7, "is_bot": False, "first_name": "A", "language_code": "ru"},
                "reply_to_message": {
                    "message_id": 4, "date": 1700000000, "chat": {"id": -100, "type": "supergroup"},
                    "photo": [{"file_id": "f", "file_unique_id": "u", "width": 9, "height": 9}],
                },
            },
        })
        print(Update.__pydantic_complete__)
        print(type(update.message.reply_to_message.photo[0]).__name__, update.message.from_user.id)
        """
    )
    assert out.splitlines() == ["False", "True", "PhotoSize 7"]


def test_every_aiogram_model_and_method_builds_lazily() -> None:
    out = run_python(
        """
        import bot
        from pydantic import BaseModel
        from aiogram.methods import Response
        from aiogram.types import Message, User

        def subclasses(cls):
            for sub in cls.__subclasses__():
                yield sub
                yield from subclasses(sub)

        def build_all(models):
            # A model that cannot resolve its names raises here instead of building. (From a
            # function: pydantic's deferred build looks a few frames up the stack.)
            for model in sorted(models, key=lambda m: m.__qualname__):
                model.__pydantic_validator__.validate_python
                model.__pydantic_serializer__.to_python

        models = {m for m in subclasses(BaseModel) if m.__module__.startswith("aiogram.")}
        lazy = [m for m in models if not m.__pydantic_complete__]
        build_all(models)
        reply = Response[Message].model_validate({
            "ok": True,
            "result": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                       "from": {"id": 1, "is_bot": True, "first_name": "bot"}},
        })
        print(len(lazy) > 400, all(m.__pydantic_complete__ for m in models))
        print(type(reply.result.from_user) is User)
        """
    )
    assert out.splitlines() == ["True True", "True"]


def test_does_nothing_when_aiogram_was_imported_first() -> None:
    out = run_python(
        """
        import aiogram
        from bot.telegram.lean_models import import_aiogram_lazily
        from aiogram.types import Update
        print(import_aiogram_lazily(), Update.__pydantic_complete__)
        """
    )
    assert out == "False True"
