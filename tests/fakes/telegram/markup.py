"""Shared pieces of Telegram's text markup: UTF-16 offsets, parse errors, trimming, and the
entities Telegram detects by itself in users' messages (bot commands, mentions).

The parsers for each ``parse_mode`` live in ``markup_html`` and ``markup_markdown``.
"""

from __future__ import annotations

import re

from tests.fakes.telegram.records import JSON


class EntityParseError(Exception):
    """Markup that Telegram would refuse with "can't parse entities"."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of every Telegram entity offset and length."""
    return len(text.encode("utf-16-le")) // 2


def byte_offset(text: str, pos: int) -> int:
    # Telegram reports markup errors at UTF-8 byte offsets.
    return len(text[:pos].encode("utf-8"))


def strip_formatted(plain: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Trim surrounding whitespace like Telegram does, keeping entities aligned."""
    left = len(plain) - len(plain.lstrip())
    stripped = plain.strip()
    shift = utf16_len(plain[:left])
    limit = utf16_len(stripped)
    kept: list[JSON] = []
    for e in entities:
        start = max(e["offset"] - shift, 0)
        end = min(e["offset"] + e["length"] - shift, limit)
        if end > start:
            kept.append({**e, "offset": start, "length": end - start})
    return stripped, kept


COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION_RE = re.compile(r"(?<!\w)@[A-Za-z0-9_]{3,32}(?!\w)")


def detect_entities(text: str) -> list[JSON]:
    """bot_command and mention entities Telegram adds to users' messages (UTF-16 offsets)."""
    entities: list[JSON] = []
    taken: list[tuple[int, int]] = []
    for m in COMMAND_RE.finditer(text):
        taken.append(m.span())
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group()),
            }
        )
    for m in _MENTION_RE.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        entities.append(
            {
                "type": "mention",
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group()),
            }
        )
    entities.sort(key=lambda e: e["offset"])
    return entities
