"""Reading a file a person sent (a photo to draw from) through the Bot API: getFile, then the
download, never past a cap.

The download URL holds the bot token: it is built here, used for this one request, and never
logged, returned or handed on (errors are logged by their type only).
"""

from __future__ import annotations

import logging
from contextlib import aclosing

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import GetFile

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = 30
CHUNK = 64 * 1024


class TelegramFiles:
    def __init__(self, bot: Bot, *, timeout: int = DOWNLOAD_TIMEOUT) -> None:
        self._bot = bot
        self._timeout = timeout

    async def fetch(self, file_id: str, *, max_bytes: int) -> bytes | None:
        """The file's bytes; None when Telegram will not give it or it is over `max_bytes`."""
        try:
            file = await self._bot(GetFile(file_id=file_id))
        except TelegramAPIError as exc:
            log.info("getFile refused a picture: %s", type(exc).__name__)
            return None
        if file.file_path is None or (file.file_size or 0) > max_bytes:
            log.info("picture not fetched: %s", "no path" if not file.file_path else "too large")
            return None
        url = self._bot.session.api.file_url(self._bot.token, file.file_path)
        chunks: list[bytes] = []
        size = 0
        stream = self._bot.session.stream_content(
            url, timeout=self._timeout, chunk_size=CHUNK, raise_for_status=True
        )
        try:
            async with aclosing(stream):  # a cut-short download lets go of its connection
                async for chunk in stream:
                    size += len(chunk)
                    if size > max_bytes:
                        log.info("picture not fetched: larger than %s bytes", max_bytes)
                        return None
                    chunks.append(chunk)
        except Exception as exc:  # aiohttp's and the OS's many kinds; the URL is never shown
            log.info("picture download failed: %s", type(exc).__name__)
            return None
        return b"".join(chunks)
