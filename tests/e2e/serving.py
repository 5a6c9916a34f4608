"""Helpers for the bot's own HTTP side: free ports, the webhook mode run in-process, requests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bot.app import App, create_app, serve
from tests.e2e.conftest import Env

WEBHOOK_URL = "https://example.invalid/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_webhook(env: Env, **overrides: Any) -> AsyncIterator[App]:
    """The bot in webhook mode in this process, once it has registered its webhook."""
    settings: dict[str, Any] = {
        "webhook_url": WEBHOOK_URL,
        "webhook_host": "127.0.0.1",
        "webhook_port": free_port(),
    }
    settings.update(overrides)
    app = await create_app(env.settings(**settings))
    server = asyncio.create_task(serve(app, handle_signals=False))
    try:
        await env.telegram.wait_until(
            lambda: bool(env.telegram.webhook.get("url")) or server.done(), timeout=10
        )
        if server.done():
            await server  # start-up failed: show why
        yield app
    finally:
        app.request_stop()
        await asyncio.wait_for(server, timeout=15)


def base_url(app: App) -> str:
    assert app.http is not None
    return f"http://127.0.0.1:{app.http.port}"


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.text()


async def post_update(app: App, update: dict[str, Any], secret: str | None) -> tuple[int, str]:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    url = base_url(app) + app.settings.webhook_path
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=update, headers=headers) as resp,
    ):
        return resp.status, await resp.text()
