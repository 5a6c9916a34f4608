"""Texts the bot sends: HTML-safe captions, failure messages, quota messages."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.drawing.failures import Failure
from bot.drawing.quota import QuotaStatus
from bot.language import texts
from bot.language.catalogues import Gettext
from tests.i18n import EN, RU

MOSCOW = ZoneInfo("Europe/Moscow")


def visible(markup: str) -> str:
    """What Telegram shows for an HTML-mode text without tags."""
    return html.unescape(markup)


def test_caption_escapes_markup_characters() -> None:
    result = texts.caption("a < b > c & d")
    assert result == "a &lt; b &gt; c &amp; d"


def test_caption_leaves_no_raw_markup() -> None:
    result = texts.caption("<b>hi</b> & <script>alert(1)</script>")
    assert "<" not in result
    assert ">" not in result
    assert re.search(r"&(?!lt;|gt;|amp;|quot;|#x27;)", result) is None


@pytest.mark.parametrize(
    "prompt",
    [
        "<b>hi</b> & <script>",
        "Жигули & <i>Волга</i>",
        "&amp; is already an entity",
        "quotes \" and ' stay",
        "plain words",
    ],
)
def test_caption_round_trips_when_unescaped(prompt: str) -> None:
    assert visible(texts.caption(prompt)) == prompt


def test_short_caption_is_not_cut() -> None:
    prompt = "x" * texts.CAPTION_LIMIT
    assert visible(texts.caption(prompt)) == prompt


def test_long_caption_is_cut_to_the_limit_with_ellipsis() -> None:
    prompt = "a fox in the snow " * 112  # 2016 characters
    prompt = prompt[:2000]
    result = visible(texts.caption(prompt))
    assert len(result) <= 1024
    assert result.endswith("…")
    assert prompt.startswith(result[:-1])
    assert len(result) >= 1000  # cut at the limit, not far below it


@pytest.mark.parametrize("unit", ["<&>", "a<b", "&&x", "x>", "Жи<"])
def test_long_caption_of_markup_counts_visible_characters(unit: str) -> None:
    # Markup characters escape to 4-5 characters each; the limit is on what is shown.
    prompt = (unit * 2000)[:2000]
    markup = texts.caption(prompt)
    shown = visible(markup)
    assert len(shown) <= 1024
    assert len(shown) >= 1000  # cut at the visible limit, not at the escaped length
    assert shown.endswith("…")
    assert prompt.startswith(shown[:-1])
    # No entity is cut in half: the markup is exactly the escape of what is shown.
    assert html.escape(shown, quote=False) == markup
    assert "<" not in markup


def test_caption_limit_matches_telegram() -> None:
    assert texts.CAPTION_LIMIT == 1024


@pytest.mark.parametrize("_", [EN, RU], ids=["en", "ru"])
@pytest.mark.parametrize("failure", [f for f in Failure if f is not Failure.CHAT_UNAVAILABLE])
def test_every_failure_has_a_text(failure: Failure, _: Gettext) -> None:
    text = texts.failure(_, failure)
    key = texts.FAILURE_KEYS[failure]
    assert text.strip() and key is not None and text != key  # translated, not the bare key


def test_failure_texts_cover_every_failure() -> None:
    assert set(texts.FAILURE_KEYS) == set(Failure)
    assert texts.failure(EN, Failure.CHAT_UNAVAILABLE) == ""


def test_failure_texts_are_distinct() -> None:
    shown = [texts.failure(EN, f) for f in Failure if f is not Failure.CHAT_UNAVAILABLE]
    assert len(set(shown)) == len(shown)


def status(used: int, limit: int | None, resets_at: datetime) -> QuotaStatus:
    return QuotaStatus(used=used, limit=limit, resets_at=resets_at)


RESETS_MSK = datetime(2024, 5, 2, 0, 0, tzinfo=MOSCOW)
NOW_MSK = (RESETS_MSK - timedelta(hours=3, minutes=30)).timestamp()


def test_over_quota_mentions_limit_and_reset_time() -> None:
    text = texts.over_quota(EN, status(10, 10, RESETS_MSK), NOW_MSK)
    assert "10" in text
    assert "00:00" in text
    assert "MSK" in text
    assert "3 h 30 min" in text


def test_quota_mentions_use_left_and_reset_time() -> None:
    text = texts.quota(EN, status(3, 10, RESETS_MSK), NOW_MSK)
    assert "3 of 10" in text
    assert "7 left" in text
    assert "00:00" in text
    assert "3 h 30 min" in text


def test_quota_reset_in_utc() -> None:
    resets = datetime(2024, 5, 2, tzinfo=ZoneInfo("UTC"))
    now = (resets - timedelta(minutes=20)).timestamp()
    text = texts.quota(EN, status(1, 5, resets), now)
    assert "00:00 UTC" in text
    assert "20 min" in text


def test_quota_reset_in_under_a_minute_says_one_minute() -> None:
    now = RESETS_MSK.timestamp() - 5
    assert "1 min" in texts.over_quota(EN, status(10, 10, RESETS_MSK), now)


def test_quota_without_limit() -> None:
    text = texts.quota(EN, status(12, None, RESETS_MSK), NOW_MSK)
    assert "no daily limit" in text
    assert "12" in text


def test_too_long_names_both_numbers() -> None:
    text = texts.too_long(EN, 612, 500)
    assert "612" in text
    assert "500" in text


@pytest.mark.parametrize("private", [True, False])
def test_empty_prompt_shows_draw(private: bool) -> None:
    assert "/draw" in texts.empty_prompt(EN, private=private)


def test_help_mentions_the_bot_and_the_quota() -> None:
    text = texts.help_text(EN, "DrawBot", status(2, 10, RESETS_MSK), NOW_MSK)
    assert "@DrawBot" in text
    assert "/draw@DrawBot" in text
    assert "/quota" in text
    assert "8 left" in text
