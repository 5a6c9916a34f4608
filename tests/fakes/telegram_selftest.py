"""Helpers shared by the fake Telegram's self-tests (``tests/test_fake_telegram*.py``): the token,
test images, raw Bot API calls the way aiogram makes them, and an aiogram ``Bot`` on the fake.
"""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from PIL import Image

from tests.fakes.telegram import FakeTelegram

TOKEN = "123456:TEST-token"


def image_bytes(size: tuple[int, int] = (64, 48), fmt: str = "PNG") -> bytes:
    """A plain red image of ``size`` in format ``fmt``."""
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


def http_client(tg: FakeTelegram, token: str = TOKEN) -> httpx.AsyncClient:
    """An HTTP client whose relative URLs are Bot API methods of ``token`` on the fake."""
    return httpx.AsyncClient(base_url=f"{tg.base_url}/bot{token}")


async def call(client: httpx.AsyncClient, method: str, **params: Any) -> tuple[int, Any]:
    """Call a Bot API method the way aiogram does: form fields, objects JSON-encoded."""
    data = {
        k: json.dumps(v) if isinstance(v, dict | list | bool) else str(v) for k, v in params.items()
    }
    resp = await client.post(f"/{method}", data=data)
    return resp.status_code, resp.json()


def aiogram_bot(base_url: str, token: str = TOKEN) -> Bot:
    """An aiogram Bot talking to the fake at ``base_url`` (close its session when done)."""
    api = TelegramAPIServer.from_base(base_url)
    return Bot(token, session=AiohttpSession(api=api))
