"""TelegramSession keeps the model it reads replies with across garbage collections."""

from __future__ import annotations

import gc
import json
import weakref

from aiogram import Bot
from aiogram.methods import SendChatAction, SendMessage

from bot.telegram.session import TelegramSession

TOKEN = "42:TEST-token-not-a-secret_xxxxxxxxxxx"
MESSAGE = {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "hi"}


async def test_reply_models_survive_a_garbage_collection() -> None:
    session = TelegramSession()
    bot = Bot(TOKEN, session=session)
    try:
        sent = session.check_response(
            bot, SendMessage(chat_id=5, text="hi"), 200, json.dumps({"ok": True, "result": MESSAGE})
        )
        acted = session.check_response(
            bot, SendChatAction(chat_id=5, action="typing"), 200, '{"ok": true, "result": true}'
        )
        assert sent.result is not None and sent.result.text == "hi"
        assert acted.result is True
        models = [weakref.ref(type(sent)), weakref.ref(type(acted))]
        del sent, acted
        gc.collect()
        assert all(model() is not None for model in models)
        again = session.check_response(
            bot, SendMessage(chat_id=5, text="hi"), 200, json.dumps({"ok": True, "result": MESSAGE})
        )
        assert type(again) is models[0]()
    finally:
        await session.close()
