"""Issue 13's texts: the caption's model line within Telegram's limit, refusals in credits
saying how to get more, /quota's purchased credits and prices, the menus without payments."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from bot.drawing.quota import QuotaStatus
from bot.language import texts
from tests.fakes.telegram import utf16_len
from tests.i18n import EN, RU

RESETS = datetime(2024, 5, 2, 0, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 20, 0, tzinfo=UTC).timestamp()


def shown(markup: str) -> str:
    return html.unescape(markup.replace("<i>", "").replace("</i>", ""))


@pytest.mark.parametrize("title", ["YandexART", "FLUX.1 [dev]", "🦊 Fox <model> & co"])
def test_a_long_captions_prompt_is_cut_so_the_model_line_fits(title: str) -> None:
    drawn_by = texts.drawn_by(title, "16:9")
    caption = texts.caption("a fox & <b>cub</b> " * 200, drawn_by)
    visible = shown(caption)
    assert utf16_len(visible) <= texts.CAPTION_LIMIT
    assert visible.endswith("\n" + drawn_by)
    assert visible.split("\n")[0].endswith("…")
    assert "<b>" not in caption  # the prompt's markup is escaped


def test_a_short_caption_keeps_the_prompt_whole() -> None:
    assert shown(texts.caption("a fox", texts.drawn_by("YandexART", None))) == (
        "a fox\n🎨 YandexART"
    )


def test_a_refusal_says_what_is_needed_and_how_to_get_more() -> None:
    status = QuotaStatus(used=9, limit=10, resets_at=RESETS, purchased=1)
    sold = texts.over_quota(EN, status, NOW, needed=3, can_buy=True)
    assert sold.startswith("🧮 Not enough credits. This picture needs: 3; left today: 1 of 10;")
    assert "purchased: 1" in sold and "/buy" in sold
    not_sold = texts.over_quota(RU, status, NOW, needed=3, can_buy=False)
    assert "стоит: 3" in not_sold and "/buy" not in not_sold and "/model" in not_sold


def test_quota_shows_purchased_credits_and_prices() -> None:
    status = QuotaStatus(used=2, limit=10, resets_at=RESETS, purchased=7)
    text = texts.quota(EN, status, NOW, [("YandexART", 1), ("A <b> model", 3)])
    assert "2 of 10 used, 8 left" in text
    assert "Purchased credits: 7" in text
    assert text.endswith("• YandexART: 1\n• A &lt;b&gt; model: 3")


def test_menus_leave_out_payments_when_nothing_is_sold() -> None:
    assert "buy" in texts.menu(texts.PRIVATE_COMMANDS, payments=True)
    assert "buy" not in texts.menu(texts.PRIVATE_COMMANDS, payments=False)
    assert "paysupport" not in texts.menu(texts.PRIVATE_COMMANDS, payments=False)
    assert texts.menu(texts.GROUP_COMMANDS, payments=False) == texts.GROUP_COMMANDS
