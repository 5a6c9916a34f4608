"""The translation catalogues: every key in every language, same placeholders, compiled as is."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.drawing.failures import Failure
from bot.language import payment_texts, texts
from bot.language.catalogues import LOCALES, LOCALES_DIR, Translator, build_i18n, locale_for
from bot.payments.shop import Decline

REPO = Path(__file__).resolve().parents[2]


def catalogue(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=locale)


def entries(locale: str) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in catalogue(locale) if m.id}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_every_language() -> None:
    keys = {locale: set(entries(locale)) for locale in LOCALES}
    for locale in LOCALES:
        missing = set().union(*keys.values()) - keys[locale]
        assert not missing, f"{locale} lacks {sorted(missing)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_text_is_empty_or_fuzzy(locale: str) -> None:
    for message in catalogue(locale):
        if message.id:
            assert message.string, f"{locale}: {message.id} is not translated"
            assert not message.fuzzy, f"{locale}: {message.id} is fuzzy (it would be skipped)"


def test_translations_use_the_same_placeholders() -> None:
    en = entries("en")
    for locale in LOCALES:
        for key, text in entries(locale).items():
            assert placeholders(text) == placeholders(en[key]), f"{locale}: {key}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_says_what_the_po_file_says(locale: str) -> None:
    # The .po files are compiled at start-up: no .mo file exists that could be stale.
    assert not list(LOCALES_DIR.rglob("*.mo"))
    translate = Translator(build_i18n())(locale)
    for key, text in entries(locale).items():
        assert translate(key) == text


def test_every_key_the_code_names_is_in_the_catalogue() -> None:
    known = set(entries("en"))
    named: set[str] = set()
    # texts.py and the modules beside it (model_texts.py, payment_texts.py, …).
    for path in sorted((REPO / "bot" / "language").glob("*texts.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    named.add(arg.value)
    named |= {key for key in texts.FAILURE_KEYS.values() if key}
    named |= {f"state-{state}" for state in ("new", "submitted", "ready", "delivered", "failed")}
    named |= {f"command-{c}" for c in texts.PRIVATE_COMMANDS + texts.GROUP_COMMANDS}
    named |= {f"admin-usage-{c}" for c in ("grant", "setlimit", "ban", "unban", "refund")}
    named |= set(payment_texts.DECLINE_KEYS.values())
    named |= {f"alert-{k}" for k in ("balance", "key")}
    assert named - known == set()
    assert set(texts.FAILURE_KEYS) == set(Failure)
    assert set(payment_texts.DECLINE_KEYS) == set(Decline)


def test_handlers_write_no_text_inline() -> None:
    # Every text a handler sends comes from bot/language/texts.py (and so from the catalogue).
    for path in (REPO / "handlers").glob("*.py"):
        source = path.read_text()
        assert "SendMessage(" not in source or path.name == "replies.py", path.name
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "reply":
                assert not any(
                    isinstance(arg, ast.Constant | ast.JoinedStr) for arg in node.args
                ), f"{path.name}:{node.lineno} sends an inline text"


@pytest.mark.parametrize(
    ("language_code", "locale"),
    [
        ("ru", "ru"),
        ("uk", "ru"),
        ("be", "ru"),
        ("kk", "ru"),
        ("ru-RU", "ru"),
        ("en", "en"),
        ("en-GB", "en"),
        ("de", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_telegram_language_picks_the_locale(language_code: str | None, locale: str) -> None:
    assert locale_for(language_code) == locale
