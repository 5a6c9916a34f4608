"""The suite imports aiogram the way the bot does, with models built on first use."""

import bot  # noqa: F401  (must come before any aiogram import: see bot.telegram.lean_models)
