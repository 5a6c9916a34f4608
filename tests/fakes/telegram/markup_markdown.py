"""MarkdownV2 and legacy Markdown (``parse_mode=MarkdownV2`` / ``Markdown``) to entities.

Covers what bots get wrong in practice (unescaped reserved characters, unclosed entities),
with Telegram's error texts.
"""

from __future__ import annotations

from tests.fakes.telegram.markup import EntityParseError, byte_offset, utf16_len
from tests.fakes.telegram.records import JSON

_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_NAMES = {
    "_": "Italic",
    "__": "Underline",
    "*": "Bold",
    "~": "Strikethrough",
    "||": "Spoiler",
    "[": "TextUrl",
}
_MD2_TYPES = {
    "_": "italic",
    "__": "underline",
    "*": "bold",
    "~": "strikethrough",
    "||": "spoiler",
}


def parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    """Parse MarkdownV2 into (plain text, entities) or raise EntityParseError.

    Covers what bots get wrong in practice: unescaped reserved characters and unclosed
    entities, with Telegram's error texts.
    """
    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, int, int]] = []  # (marker, utf16 start, byte offset)
    entities: list[JSON] = []
    i, n = 0, len(text)

    def emit(s: str) -> None:
        nonlocal u16
        out.append(s)
        u16 += utf16_len(s)

    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            emit(text[i + 1])
            i += 2
            continue
        if c not in _MD2_RESERVED:
            emit(c)
            i += 1
            continue
        at = byte_offset(text, i)
        if c == "`":
            is_pre = text.startswith("```", i)
            marker = "```" if is_pre else "`"
            j = i + len(marker)
            body: list[str] = []
            while j < n and not text.startswith(marker, j):
                if text[j] == "\\" and j + 1 < n:
                    body.append(text[j + 1])
                    j += 2
                    continue
                body.append(text[j])
                j += 1
            if j >= n:
                kind = "Pre" if is_pre else "Code"
                raise EntityParseError(f"Can't find end of {kind} entity at byte offset {at}")
            content = "".join(body)
            entity: JSON = {"type": "pre" if is_pre else "code", "offset": u16}
            if is_pre and "\n" in content:
                first, rest = content.split("\n", 1)
                if first and not any(ch.isspace() for ch in first):
                    entity["language"] = first
                    content = rest
            emit(content)
            entity["length"] = utf16_len(content)
            if entity["length"]:
                entities.append(entity)
            i = j + len(marker)
            continue
        if c == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # blockquote line marker: the text itself stays as is
            continue
        if c == "]" and stack and stack[-1][0] == "[":
            _, start, _ = stack.pop()
            i += 1
            url = ""
            if i < n and text[i] == "(":
                j = i + 1
                url_chars: list[str] = []
                while j < n and text[j] != ")":
                    if text[j] == "\\" and j + 1 < n:
                        url_chars.append(text[j + 1])
                        j += 2
                        continue
                    url_chars.append(text[j])
                    j += 1
                if j >= n:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {byte_offset(text, i)}"
                    )
                url = "".join(url_chars)
                i = j + 1
            if url and u16 > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": u16 - start, "url": url}
                )
            continue
        marker = ""
        if text.startswith("||", i):
            marker = "||"
        elif text.startswith("__", i):
            marker = "__"
        elif c in "_*~[":
            marker = c
        if not marker:
            raise EntityParseError(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        if stack and stack[-1][0] == marker and marker != "[":
            _, start, _ = stack.pop()
            if u16 > start:
                entities.append(
                    {"type": _MD2_TYPES[marker], "offset": start, "length": u16 - start}
                )
        elif marker == "__" and stack and stack[-1][0] == "_":
            # "_a__" closes the italic with the first underscore; the second opens a new one.
            _, start, _ = stack.pop()
            if u16 > start:
                entities.append({"type": "italic", "offset": start, "length": u16 - start})
            stack.append(("_", u16, byte_offset(text, i + 1)))
        else:
            stack.append((marker, u16, at))
        i += len(marker)
    if stack:
        marker, _, at = stack[-1]
        raise EntityParseError(f"Can't find end of {_MD2_NAMES[marker]} entity at byte offset {at}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def parse_markdown_legacy(text: str) -> tuple[str, list[JSON]]:
    """Parse legacy Markdown (``*bold*``, ``_italic_``, code, pre, ``[t](url)``)."""
    out: list[str] = []
    u16 = 0
    entities: list[JSON] = []
    i, n = 0, len(text)
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            u16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue
        at = byte_offset(text, i)
        marker = "```" if text.startswith("```", i) else ("]" if c == "[" else c)
        start_i = i + (3 if marker == "```" else 1)
        j = text.find(marker, start_i)
        if j < 0:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {at}")
        inner = text[start_i:j]
        start = u16
        out.append(inner)
        u16 += utf16_len(inner)
        i = j + len(marker)
        if marker == "]":
            url = ""
            if i < n and text[i] == "(":
                k = text.find(")", i)
                if k < 0:
                    raise EntityParseError(
                        f"Can't find end of the entity starting at byte offset {at}"
                    )
                url = text[i + 1 : k]
                i = k + 1
            if url and inner:
                entities.append(
                    {"type": "text_link", "offset": start, "length": u16 - start, "url": url}
                )
        elif inner:
            kind = "pre" if marker == "```" else kinds[marker]
            entities.append({"type": kind, "offset": start, "length": u16 - start})
    return "".join(out), entities
