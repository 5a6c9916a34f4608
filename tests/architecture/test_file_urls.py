"""A Telegram file URL holds the bot token (`/file/bot<token>/<path>`): it is built in one place,
bot/telegram/files.py, which uses it for one download and hands back only the bytes. Anything
else that built one could log it or send it on (to GPTunnel, say), so nothing else may."""

from __future__ import annotations

from tests.architecture.test_layers import REPO, modules

ONLY_HERE = "bot.telegram.files"
# What building or fetching a file URL looks like in aiogram.
MARKERS = ("file_url(", "download_file(", "/file/bot", "GetFile(", ".get_file(")


def test_only_the_file_reader_builds_telegram_file_urls() -> None:
    found = [
        f"{name}: {marker}"
        for name, path in modules("bot", "handlers", "storage")
        if name != ONLY_HERE
        for marker in MARKERS
        if marker in path.read_text()
    ]
    assert found == []
    assert "file_url(" in (REPO / "bot" / "telegram" / "files.py").read_text()
