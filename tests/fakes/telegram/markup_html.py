"""Telegram-flavoured HTML (``parse_mode=HTML``): tags to entities, with the errors Telegram gives.

Modelled on how the Bot API server (tdlib) parses, so that the bot gets the same
"can't parse entities" errors it would get in production.
"""

from __future__ import annotations

import re

from tests.fakes.telegram.markup import EntityParseError, byte_offset, utf16_len
from tests.fakes.telegram.records import JSON

_HTML_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,10})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z]+));?")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the entity at ``text[pos] == "&"``; None when it is not one Telegram knows."""
    m = _HTML_ENTITY_RE.match(text, pos)
    if m is None:
        return None
    dec, hexa, name = m.groups()
    if name is not None:
        ch = _NAMED_ENTITIES.get(name)
        if ch is None:
            return None
    else:
        code = int(dec) if dec is not None else int(hexa, 16)
        if code == 0 or code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
            return None
        ch = chr(code)
    return ch, m.end()


def parse_html(text: str, *, strict_ampersand: bool = False) -> tuple[str, list[JSON]]:
    """Parse Telegram-flavoured HTML into (plain text, entities) or raise EntityParseError.

    Like Telegram: only the supported tags, tags must nest properly, ``<`` must start a tag.
    A ``&`` that is not a known entity stays literal (that is what Telegram does);
    ``strict_ampersand=True`` refuses it instead.
    """
    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, dict[str, str], int]] = []
    entities: list[JSON] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                ch, i = decoded
                out.append(ch)
                u16 += utf16_len(ch)
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f"Unsupported HTML entity at byte offset {byte_offset(text, i)}"
                )
        if c != "<":
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue
        begin = i
        at = byte_offset(text, begin)
        i += 1
        if i < n and text[i] == "/":
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {at}")
            j = i + 1
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            end_name = text[i + 1 : j].lower()
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {at}")
            tag, attrs, start = stack.pop()
            if end_name and end_name != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {at}, expected "</{tag}>", '
                    f'found "</{end_name}>"'
                )
            if u16 > start:
                _close_html_entity(entities, tag, attrs, start, u16 - start, "".join(out))
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {at}")
        tag = text[i:j].lower()
        if tag not in _HTML_TAG_TYPES:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {at}')
        attrs, j = _parse_html_attributes(text, j, tag, at)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError('Tag "span" must have class "tg-spoiler"')
        if tag == "tg-emoji" and not attrs.get("emoji-id"):
            raise EntityParseError('Tag "tg-emoji" must have attribute "emoji-id"')
        stack.append((tag, attrs, u16))
        i = j + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # only <pre><code class=…> keeps a language
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _parse_html_attributes(text: str, j: int, tag: str, at: int) -> tuple[dict[str, str], int]:
    """Parse attributes from ``text[j]`` up to the closing ``>``; returns (attrs, index of >)."""
    n = len(text)
    attrs: dict[str, str] = {}
    while True:
        while j < n and text[j].isspace():
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {at}")
        if text[j] == ">":
            return attrs, j
        k = j
        while k < n and not text[k].isspace() and text[k] not in "=>":
            k += 1
        name = text[j:k].lower()
        if not name:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {at}')
        while k < n and text[k].isspace():
            k += 1
        if k >= n or text[k] != "=":
            # Only <blockquote expandable> may carry a bare attribute.
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                j = k
                continue
            raise EntityParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {at}'
            )
        k += 1
        while k < n and text[k].isspace():
            k += 1
        if k >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {at}')
        if text[k] in "\"'":
            quote = text[k]
            k += 1
            value: list[str] = []
            while k < n and text[k] != quote:
                if text[k] == "&":
                    decoded = _decode_html_entity(text, k)
                    if decoded is not None:
                        value.append(decoded[0])
                        k = decoded[1]
                        continue
                value.append(text[k])
                k += 1
            if k >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {at}")
            attrs[name] = "".join(value)
            j = k + 1
        else:
            start = k
            while k < n and (text[k].isalnum() or text[k] in ".-"):
                k += 1
            if k < n and not text[k].isspace() and text[k] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {byte_offset(text, start)}"
                )
            attrs[name] = text[start:k].lower()
            j = k


def _close_html_entity(
    entities: list[JSON], tag: str, attrs: dict[str, str], offset: int, length: int, plain: str
) -> None:
    kind = _HTML_TAG_TYPES[tag]
    entity: JSON = {"type": kind, "offset": offset, "length": length}
    if kind == "text_link":
        entity["url"] = attrs.get("href") or plain[-length:]
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    elif kind == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "code" and attrs.get("class", "").startswith("language-"):
        entity["language"] = attrs["class"][len("language-") :]
    elif kind == "pre" and entities:
        # <pre><code class="language-x">…</code></pre> is one pre entity with a language.
        last = entities[-1]
        if (
            last["type"] == "code"
            and last["offset"] == offset
            and last["length"] == length
            and "language" in last
        ):
            entities.pop()
            entity["language"] = last["language"]
    entities.append(entity)
