"""Finding the prompt in a message: @mentions and /draw arguments."""

from __future__ import annotations

import pytest

from bot.drawing.prompts import command_prompt, mention_prompt

BOT = "DrawBot"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@DrawBot a red fox", "a red fox"),
        ("@drawbot a red fox", "a red fox"),
        ("@DRAWBOT a red fox", "a red fox"),
        ("@DrawBot, a red fox", "a red fox"),
        ("@DrawBot: a red fox", "a red fox"),
        ("@DrawBot - a red fox", "a red fox"),
        ("@DrawBot!  a red fox  ", "a red fox"),
        ("@DrawBot\na red fox\nin snow", "a red fox\nin snow"),
        ("   @DrawBot a red fox", "a red fox"),
        ("\n\t@DrawBot a red fox", "a red fox"),
    ],
)
def test_mention_at_start_gives_the_prompt(text: str, expected: str) -> None:
    assert mention_prompt(text, BOT) == expected


def test_mention_keeps_the_prompts_own_case_and_punctuation() -> None:
    assert mention_prompt("@drawbot A Cat, B: dog!", "DrawBot") == "A Cat, B: dog!"


def test_username_given_in_any_case_matches() -> None:
    assert mention_prompt("@DrawBot sunset", "drawbot") == "sunset"
    assert mention_prompt("@drawbot sunset", "DRAWBOT") == "sunset"


@pytest.mark.parametrize(
    "text", ["@DrawBot", "@drawbot   ", "@DrawBot:", "@DrawBot, ", "  @DrawBot"]
)
def test_bare_mention_is_an_empty_prompt(text: str) -> None:
    result = mention_prompt(text, BOT)
    assert result == ""
    assert result is not None


@pytest.mark.parametrize(
    "text",
    [
        "@DrawBot_fan a red fox",
        "@DrawBotfan a red fox",
        "@DrawBot2 a red fox",
        "@DrawBo a red fox",
        "@Other a red fox",
    ],
)
def test_another_users_mention_is_not_a_prompt(text: str) -> None:
    assert mention_prompt(text, BOT) is None


@pytest.mark.parametrize(
    "text",
    [
        "a red fox @DrawBot",
        "hey @DrawBot a red fox",
        "DrawBot a red fox",
        "/draw a red fox",
        ".@DrawBot a red fox",
    ],
)
def test_mention_not_at_start_is_not_a_prompt(text: str) -> None:
    assert mention_prompt(text, BOT) is None


@pytest.mark.parametrize("text", [None, "", "   "])
def test_no_text_is_not_a_prompt(text: str | None) -> None:
    assert mention_prompt(text, BOT) is None


def test_empty_bot_username_never_matches() -> None:
    assert mention_prompt("@ a red fox", "") is None


def test_command_args_win_over_replied_text() -> None:
    assert command_prompt("a red fox", "a blue whale") == "a red fox"


def test_command_args_are_stripped() -> None:
    assert command_prompt("  a red fox \n", None) == "a red fox"


@pytest.mark.parametrize("args", [None, "", "   ", "\n\t"])
def test_command_without_args_falls_back_to_replied_text(args: str | None) -> None:
    assert command_prompt(args, "  a blue whale  ") == "a blue whale"


@pytest.mark.parametrize(
    ("args", "replied"),
    [(None, None), ("", ""), ("   ", "  \n"), (None, "   "), ("  ", None)],
)
def test_command_with_neither_is_none(args: str | None, replied: str | None) -> None:
    assert command_prompt(args, replied) is None
