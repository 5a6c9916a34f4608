"""Options written into a prompt: `--ar 16:9` and `--model flux-dev` (or the model's title),
anywhere in the text. They are taken out of what is drawn; what they name is checked later,
against the model catalogue (bot.drawing.picks). Pure functions, so every spelling is easy to
test.

Phones "correct" two hyphens into a dash as people type (iOS turns `--` into `—`), so `—ar`
and `–ar` count too. `--ar=16:9` works as well; a title with spaces is quoted:
`--model "GPT Image 1 (high)"`. The last of two same options wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DASH = "(?:--|\u2014|\u2013)"  # "--", an em dash, an en dash
_OPTION = re.compile(
    rf"""(?<!\S){_DASH}(?P<name>ar|model)
    (?:(?:=|[^\S\n]+)
       (?P<value>"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|'[^'\n]*'|(?!{_DASH})\S+)
    )?
    (?!\S)""",
    re.IGNORECASE | re.VERBOSE,
)
_QUOTES = {'"': '"', "“": "”", "«": "»", "'": "'"}
# A sentence may end right after an option's value: "a fox --ar 16:9."
_TRAILING = ".,;!?"
# Where an option was taken out, with the spaces around it on its own line.
_CUT = "\x00"
_AROUND_CUT = re.compile(rf"[^\S\n]*{_CUT}[^\S\n]*")
# 16x9, 16×9, 16/9 and a full-width colon all mean 16:9.
_RATIO_SEPARATORS = str.maketrans({"x": ":", "X": ":", "×": ":", "/": ":", "：": ":"})


@dataclass(frozen=True, slots=True)
class PromptOptions:
    prompt: str | None  # what is drawn: the text without its options (None: there was none)
    ar: str | None = None  # as written after --ar; "" when --ar came without a value
    model: str | None = None  # as written after --model; "" when it came without a value


def parse_options(text: str | None) -> PromptOptions:
    """The prompt with `--ar` and `--model` taken out, and what they said."""
    if not text or not any(dash in text for dash in ("--", "\u2014", "\u2013")):
        return PromptOptions(text)
    found: dict[str, str] = {}

    def take(match: re.Match[str]) -> str:
        found[match["name"].lower()] = _value(match["value"])
        return _CUT

    cut = _OPTION.sub(take, text)
    if not found:
        return PromptOptions(text)
    prompt = _AROUND_CUT.sub(" ", cut).strip()
    return PromptOptions(prompt, ar=found.get("ar"), model=found.get("model"))


def normalised_ratio(written: str) -> str:
    """An aspect ratio as GPTunnel writes it ("16:9"), from what a person typed."""
    return written.strip().translate(_RATIO_SEPARATORS).replace(" ", "")


def _value(raw: str | None) -> str:
    if raw is None:
        return ""
    closing = _QUOTES.get(raw[0])
    if closing is not None and len(raw) >= 2 and raw.endswith(closing):
        return raw[1:-1].strip()
    return raw.rstrip(_TRAILING)
