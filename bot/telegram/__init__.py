"""Telegram plumbing: the paced sender every message goes through, the aiohttp session, photo
preparation, the buttons under pictures, command menus, webhook registration, and the lazy
import of aiogram's models. Nothing here knows about tasks or quotas.

Keep this file free of imports: `bot/__init__.py` loads `lean_models` from here before aiogram.
"""
