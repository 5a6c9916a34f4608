"""Finding the prompt in a message: pure functions, so every form is easy to test."""

from __future__ import annotations

import re
from enum import StrEnum

# After "@botname" a prompt may follow a space or light punctuation ("@bot, a cat").
_AFTER_MENTION = re.compile(r"[\s,:;.!?-]*")


def mention_prompt(text: str | None, bot_username: str) -> str | None:
    """The prompt of a message that starts with @bot_username, or None if it does not."""
    if not text or not bot_username:
        return None
    handle = "@" + bot_username.lower()
    stripped = text.lstrip()
    if not stripped.lower().startswith(handle):
        return None
    rest = stripped[len(handle) :]
    # "@botname_fan hi" mentions somebody else.
    if rest and (rest[0].isalnum() or rest[0] == "_"):
        return None
    return rest[_AFTER_MENTION.match(rest).end() :].strip()  # type: ignore[union-attr]


def command_prompt(args: str | None, replied_text: str | None) -> str | None:
    """`/draw args` draws args; a bare `/draw` in reply to a message draws that message."""
    if args and args.strip():
        return args.strip()
    if replied_text and replied_text.strip():
        return replied_text.strip()
    return None


class PromptProblem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def check_prompt(prompt: str | None, max_length: int) -> PromptProblem | None:
    if not prompt or not prompt.strip():
        return PromptProblem.EMPTY
    if len(prompt.strip()) > max_length:
        return PromptProblem.TOO_LONG
    return None
