"""Translation catalogues: aiogram's I18n over gettext catalogues compiled from .po by Babel.

The .po files in bot/language/locales are the only source: they are compiled in memory at start-up,
so there is no .mo file that could drift from its .po.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import partial
from io import BytesIO
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
LOCALES = ("en", "ru")
# Telegram languages whose speakers are better served in Russian than in English.
RUSSIAN_READERS = frozenset({"ru", "uk", "be", "kk"})

# A text by its key in one locale: `_("working")`.
Gettext = Callable[[str], str]


def locale_for(language_code: str | None) -> str:
    """The bot's locale for a Telegram language code such as `ru`, `en-US` or `uk`."""
    if not language_code:
        return DEFAULT_LOCALE
    base = language_code.lower().replace("_", "-").split("-")[0]
    return "ru" if base in RUSSIAN_READERS else DEFAULT_LOCALE


def compile_po(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale=po_path.parent.parent.name, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


class CatalogI18n(I18n):
    """aiogram's I18n, reading .po files (compiled with Babel in memory) instead of .mo."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        found: dict[str, gettext.GNUTranslations] = {}
        for po_path in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            found[po_path.parent.parent.name] = compile_po(po_path)
        return found


def build_i18n(path: Path = LOCALES_DIR) -> CatalogI18n:
    return CatalogI18n(path=path, default_locale=DEFAULT_LOCALE, domain=DOMAIN)


class Translator:
    """Texts in a given locale, for code that runs without a Telegram update (the background
    loop, alerts, the command menu)."""

    def __init__(self, i18n: I18n) -> None:
        self._i18n = i18n

    @property
    def i18n(self) -> I18n:
        return self._i18n

    def __call__(self, locale: str | None) -> Gettext:
        known = locale if locale in self._i18n.locales else DEFAULT_LOCALE
        return partial(self._gettext, locale=known)

    def _gettext(self, key: str, *, locale: str) -> str:
        return self._i18n.gettext(key, locale=locale)
