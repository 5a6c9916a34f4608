"""GPTunnel image bot for Telegram."""

from bot.telegram.lean_models import import_aiogram_lazily

# Before anything imports aiogram: see bot.telegram.lean_models (~100 MB less RSS).
import_aiogram_lazily()
