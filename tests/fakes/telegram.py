"""A fake Telegram Bot API server for black-box tests of the bot.

The bot talks to it exactly as it would to api.telegram.org (aiogram's
``TelegramAPIServer.from_base(base_url)``). Tests play the users by pushing updates, then look
at what the bot sent. Error texts, status codes and object shapes follow the real Bot API, so
that the bot's error handling is exercised against what Telegram really answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import http
import io
import itertools
import json
import math
import mimetypes
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web
from PIL import Image

JSON = dict[str, Any]

PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_URL_MAX_BYTES = 5 * 1024 * 1024
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024
DOCUMENT_URL_MAX_BYTES = 20 * 1024 * 1024
TEXT_MAX = 4096
CAPTION_MAX = 1024

# Fields whose values are objects/arrays; aiogram sends them JSON-encoded inside form fields.
_OBJECT_FIELDS = frozenset(
    {
        "reply_parameters",
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "message_ids",
        "menu_button",
    }
)
# Methods that send or edit messages: the ones Telegram's flood control counts.
_COUNTED = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption"}
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
# Service accounts Telegram puts in ``from`` for messages sent on behalf of a chat.
_GROUP_ANONYMOUS_BOT: JSON = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
_CHANNEL_BOT: JSON = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of every Telegram entity offset and length."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, pos: int) -> int:
    # Telegram reports markup errors at UTF-8 byte offsets.
    return len(text[:pos].encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Markup parsing (parse_mode). Modelled on how the Bot API server (tdlib) parses, so that the
# bot gets the same "can't parse entities" errors it would get in production.
# --------------------------------------------------------------------------------------------


class EntityParseError(Exception):
    """Markup that Telegram would refuse with "can't parse entities"."""


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
                    f"Unsupported HTML entity at byte offset {_byte_offset(text, i)}"
                )
        if c != "<":
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue
        begin = i
        at = _byte_offset(text, begin)
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
                    f"Unexpected end of name token at byte offset {_byte_offset(text, start)}"
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
        at = _byte_offset(text, i)
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
                        f"Can't find end of a URL at byte offset {_byte_offset(text, i)}"
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
            stack.append(("_", u16, _byte_offset(text, i + 1)))
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
        at = _byte_offset(text, i)
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


def _strip_formatted(plain: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
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


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass
class Upload:
    """A file part received in a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


@dataclass
class Edit:
    """One successful edit of a message (editMessageText / Caption / ReplyMarkup)."""

    at: float
    method: str
    chat_id: int
    message_id: int
    text: str | None
    caption: str | None
    parse_mode: str | None
    plain: str | None
    reply_markup: Any
    params: JSON


@dataclass
class Sent:
    """One message the bot sent successfully."""

    method: str
    chat_id: int
    message_id: int
    at: float
    text: str | None = None  # as the bot sent it (with markup)
    caption: str | None = None  # as the bot sent it (with markup)
    parse_mode: str | None = None
    plain_text: str | None = None  # text or caption as users see it (markup parsed)
    entities: list[JSON] = field(default_factory=list)
    reply_to_message_id: int | None = None
    message_thread_id: int | None = None
    file_bytes: bytes | None = None
    filename: str | None = None
    content_type: str | None = None
    file_source: str | None = None  # "upload", "file_id" or "url"
    file_id: str | None = None
    reply_markup: Any = None
    params: JSON = field(default_factory=dict)
    message: JSON = field(default_factory=dict)  # the Message object returned to the bot
    deleted: bool = False
    edits: list[Edit] = field(default_factory=list)

    @property
    def latest_text(self) -> str | None:
        """Text or caption as users see it now, after edits."""
        for edit in reversed(self.edits):
            if edit.plain is not None:
                return edit.plain
        return self.plain_text

    @property
    def is_photo(self) -> bool:
        return self.method == "sendPhoto"

    def describe(self) -> str:
        shown = self.latest_text if self.latest_text is not None else ""
        flags = " [deleted]" if self.deleted else ""
        if self.edits:
            flags += f" [edits={len(self.edits)}]"
        if self.file_bytes is not None:
            flags += f" [file {self.filename!r} {len(self.file_bytes)} B]"
        return (
            f"{self.method} chat={self.chat_id} id={self.message_id} "
            f"reply_to={self.reply_to_message_id} {shown[:120]!r}{flags}"
        )


@dataclass
class _StoredFile:
    data: bytes
    filename: str | None
    content_type: str | None
    file_unique_id: str
    file_path: str


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    is_forum: bool = False

    def obj(self) -> JSON:
        chat: JSON = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or "User"
        else:
            chat["title"] = self.title or f"Chat {self.id}"
        if self.username:
            chat["username"] = self.username
        if self.is_forum:
            chat["is_forum"] = True
        return chat


@dataclass
class _Stored:
    """A message in the fake's history (from a user or from the bot)."""

    obj: JSON
    from_bot: bool
    deleted: bool = False
    sent: Sent | None = None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    times: int
    body: str | None


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


class _Params:
    """Request parameters with Telegram's lenient typing (everything may come as a string)."""

    def __init__(self, values: JSON, files: dict[str, Upload], method: str = "") -> None:
        self.values = values
        self.files = files
        self.method = method  # canonical Bot API method name

    def record(self) -> JSON:
        rec = dict(self.values)
        for name, up in self.files.items():
            rec[name] = {
                "filename": up.filename,
                "content_type": up.content_type,
                "size": len(up.data),
            }
        return rec

    def has(self, key: str) -> bool:
        return self.values.get(key) not in (None, "")

    def str_(self, key: str) -> str | None:
        value = self.values.get(key)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def int_(self, key: str) -> int | None:
        value = self.values.get(key)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise _bad(f"invalid {key} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad(f"invalid {key} specified") from None

    def bool_(self, key: str) -> bool:
        value = self.values.get(key)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def obj(self, key: str) -> Any:
        value = self.values.get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {key} JSON object") from None
        return value

    def file(self, key: str) -> Upload | str | None:
        if key in self.files:
            return self.files[key]
        ref = self.str_(key)
        if ref and ref.startswith("attach://"):
            up = self.files.get(ref[len("attach://") :])
            if up is None:
                raise _bad("wrong file identifier/HTTP URL specified")
            return up
        return ref or None


Handler = Callable[[_Params], Awaitable[Any]]


class FakeTelegram:
    """A fake Telegram Bot API server (see the module docstring).

    Records: ``sent`` (successful sends, as ``Sent``), ``requests`` (every call),
    ``errors``, ``chat_actions``, ``edits``, ``deleted``, ``callback_answers``, ``count_429``.
    """

    # Flood-control figures used with enforce_limits=True.
    global_per_second = 30
    private_burst = 3
    private_per_second = 1.0
    group_per_minute = 20

    def __init__(
        self,
        token: str,
        bot_username: str = "draw_test_bot",
        bot_id: int = 999,
        *,
        enforce_limits: bool = False,
        privacy_mode: bool = True,
        strict_ampersand: bool = False,
        bot_first_name: str = "Draw Test Bot",
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = bot_id
        self.enforce_limits = enforce_limits
        # Privacy mode (Telegram's default for bots): in groups the bot only gets commands,
        # replies to its own messages, and everything if it is an admin there.
        self.privacy_mode = privacy_mode
        self.strict_ampersand = strict_ampersand
        self.bot_user: JSON = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.base_url = ""

        # Records, newest last.
        self.sent: list[Sent] = []
        self.requests: list[tuple[float, str, JSON]] = []
        self.errors: list[tuple[float, str, int, str]] = []  # (time, method, status, text)
        self.chat_actions: list[tuple[float, int, str]] = []  # (time, chat_id, action)
        self.deleted: list[tuple[int, int]] = []  # (chat_id, message_id)
        self.edits: list[Edit] = []
        self.callback_answers: list[JSON] = []
        self.not_delivered: list[tuple[int, int]] = []  # pushed but hidden by privacy mode
        self.count_429 = 0
        self.webhook: JSON = {}
        self.commands: dict[str, list[JSON]] = {}  # key: scope+language, see _commands_key
        self.bot_settings: JSON = {}

        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, JSON] = {}
        self._messages: dict[int, dict[int, _Stored]] = {}
        self._next_mid: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._admins: dict[int, list[int]] = {}
        self._owners: dict[int, int] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, str] = {}
        self._callbacks: dict[str, JSON] = {}
        self._updates: deque[JSON] = deque()
        self._update_ids = itertools.count(100_001)
        self._confirmed_offset = 0
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, float] = {}
        self._upload_stalls: dict[str, float] = {}
        self._global_sends: deque[float] = deque()
        self._group_sends: dict[int, deque[float]] = {}
        self._private_buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._changed = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getMyCommands": self._get_my_commands,
            "setMyDescription": self._store_setting,
            "setMyShortDescription": self._store_setting,
            "setMyName": self._store_setting,
            "setChatMenuButton": self._store_setting,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getFile": self._get_file,
        }
        # Telegram method names are case-insensitive.
        self._by_lower = {name.lower(): name for name in self._handlers}

    # ---------------------------------------------------------------- server lifecycle

    async def start(self) -> str:
        """Start listening on 127.0.0.1 (a free port); returns the base URL."""
        app = web.Application(client_max_size=DOCUMENT_MAX_BYTES * 2)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._stopping = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop the server; pending long polls are answered at once."""
        self._stopping = True
        self._notify()
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def api_server(self) -> Any:
        """aiogram's ``TelegramAPIServer`` pointing at this fake (after start())."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.base_url)

    # ---------------------------------------------------------------- test controls

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str | None = None,
        first_name: str | None = None,
        username: str | None = None,
        is_forum: bool = False,
    ) -> None:
        """Make a chat known without pushing an update (pushing does this too)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(chat_id, chat_type)
        chat.type = chat_type
        chat.title = title or chat.title
        chat.first_name = first_name or chat.first_name
        chat.username = username or chat.username
        chat.is_forum = chat.is_forum or is_forum

    def block(self, chat_id: int) -> None:
        """The user blocks the bot (private) or removes it (group): sends get 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def set_admins(
        self, chat_id: int, user_ids: Iterable[int], *, owner_id: int | None = None
    ) -> None:
        """Administrators (and optionally the owner) of a group, for getChatMember and co."""
        self._admins[chat_id] = list(user_ids)
        if owner_id is not None:
            self._owners[chat_id] = owner_id

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        times: int = 1,
        body: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` fail with ``status``.

        429 answers carry ``parameters.retry_after`` (default 1 s); ``body`` replaces the JSON
        body entirely (e.g. an HTML page from a proxy).
        """
        name = self._canonical(method)
        if status == 429 and retry_after is None:
            retry_after = 1
        if not description:
            description = _default_description(status, retry_after)
        self._faults.setdefault(name, deque()).append(
            _Fault(status, description, retry_after, times, body)
        )

    def stall_upload(self, method: str, seconds: float) -> None:
        """Hold calls of `method` before reading their body (a slow upload); 0 removes it."""
        canonical = self._canonical(method)
        if seconds > 0:
            self._upload_stalls[canonical] = seconds
        else:
            self._upload_stalls.pop(canonical, None)

    def delay(self, method: str, seconds: float) -> None:
        """Answer every call of ``method`` only after ``seconds`` (0 removes the delay)."""
        self._delays[self._canonical(method)] = seconds

    def push_update(self, update: JSON) -> int:
        """Queue a raw update (``update_id`` is assigned when missing); returns its id."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._notify()
        return int(update["update_id"])

    def take_updates(self) -> list[JSON]:
        """Remove and return the queued updates: what Telegram would POST to a webhook."""
        taken = list(self._updates)
        self._updates.clear()
        return taken

    def push_message(
        self,
        chat_id: int,
        user_id: int,
        text: str | None = None,
        *,
        chat_type: str = "private",
        title: str | None = None,
        first_name: str = "User",
        username: str | None = None,
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
        caption: str | None = None,
        photo: bool | bytes = False,
        sticker: bool = False,
        voice: bool = False,
        sender_chat_id: int | None = None,
        message_thread_id: int | None = None,
        extra: JSON | None = None,
    ) -> int:
        """A user writes in a chat; returns the new message_id.

        ``photo`` may be True (a generated JPEG) or the image bytes; the file can be fetched
        by the bot with getFile. In groups with privacy mode on the update is only queued when
        the bot would really get it (see ``not_delivered``).
        """
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        if chat_type == "private":
            self.add_chat(chat_id, "private", first_name=first_name, username=username)
        else:
            self.add_chat(chat_id, chat_type, title=title, is_forum=message_thread_id is not None)
        chat = self._chats[chat_id]
        mid = self._new_message_id(chat_id)
        msg: JSON = {"message_id": mid, "from": user, "chat": chat.obj(), "date": int(time.time())}
        if sender_chat_id is not None:
            if sender_chat_id == chat_id:
                msg["from"] = dict(_GROUP_ANONYMOUS_BOT)
                msg["sender_chat"] = chat.obj()
            else:
                msg["from"] = dict(_CHANNEL_BOT)
                msg["sender_chat"] = {
                    "id": sender_chat_id,
                    "type": "channel",
                    "title": f"Channel {abs(sender_chat_id)}",
                }
        if message_thread_id is not None:
            msg["message_thread_id"] = message_thread_id
            msg["is_topic_message"] = True
        replied: _Stored | None = None
        if reply_to_message_id is not None:
            replied = self._messages.get(chat_id, {}).get(reply_to_message_id)
            if replied is None or replied.deleted:
                raise ValueError(f"no message {reply_to_message_id} in chat {chat_id}")
            msg["reply_to_message"] = _embed(replied.obj)
        if text is not None:
            msg["text"] = text
            entities = _detect_entities(text)
            if entities:
                msg["entities"] = entities
        if photo is not False:
            data = photo if isinstance(photo, bytes) else _make_jpeg(640, 480)
            msg["photo"] = self._store_photo_sizes(data, "photo.jpg", "image/jpeg")
        if sticker:
            msg["sticker"] = {
                "file_id": self._new_file_id("CAACAgIAAxkBAAI"),
                "file_unique_id": _unique_id(),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "🙂",
            }
        if voice:
            msg["voice"] = {
                "file_id": self._new_file_id("AwACAgIAAxkBAAI"),
                "file_unique_id": _unique_id(),
                "duration": 3,
                "mime_type": "audio/ogg",
                "file_size": 12345,
            }
        if caption is not None:
            msg["caption"] = caption
            entities = _detect_entities(caption)
            if entities:
                msg["caption_entities"] = entities
        if extra:
            msg.update(extra)
        self._messages.setdefault(chat_id, {})[mid] = _Stored(obj=msg, from_bot=False)
        if self._delivered_to_bot(chat, msg, replied):
            self.push_update({"message": msg})
        else:
            self.not_delivered.append((chat_id, mid))
        return mid

    def push_callback_query(self, chat_id: int, user_id: int, message_id: int, data: str) -> str:
        """A user presses an inline button under the bot's message; returns the query id."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or stored.deleted:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        user = self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "User"}
        query_id = str(secrets.randbits(62))
        query: JSON = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(stored.obj),
            "chat_instance": str(abs(hash((chat_id, self.bot_id)))),
            "data": data,
        }
        self._callbacks[query_id] = query
        self.push_update({"callback_query": query})
        return query_id

    # ---------------------------------------------------------------- views and waiting

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def photos(self, chat_id: int | None = None) -> list[Sent]:
        return [s for s in self.sent if s.method == "sendPhoto" and chat_id in (None, s.chat_id)]

    def calls(self, method: str) -> list[tuple[float, str, JSON]]:
        """Every request of one method (accepted or not)."""
        name = self._by_lower.get(method.lower(), method)
        return [r for r in self.requests if r[1] == name]

    def current_text(self, chat_id: int, message_id: int) -> str | None:
        """Latest text (or caption) of any message as users see it; None if gone/unknown."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        if stored is None or stored.deleted:
            return None
        obj = stored.obj
        value = obj.get("text", obj.get("caption"))
        return value if isinstance(value, str) else None

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """The stored Message object (a copy), deleted ones included."""
        stored = self._messages.get(chat_id, {}).get(message_id)
        return copy.deepcopy(stored.obj) if stored else None

    def updates_pending(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    async def wait_for(self, predicate: Callable[[Sent], bool], timeout: float = 10) -> Sent:
        """The first sent message matching ``predicate`` (already sent or arriving later)."""
        found: list[Sent] = []

        def check() -> bool:
            for s in self.sent:
                if predicate(s):
                    found.append(s)
                    return True
            return False

        await self._wait(check, timeout, "no sent message matched the predicate")
        return found[0]

    async def wait_until(self, cond: Callable[[], bool], timeout: float = 10) -> None:
        """Wait until ``cond()`` is true (re-checked on every change and every 50 ms)."""
        await self._wait(cond, timeout, "condition not met")

    def dump(self) -> str:
        lines = [f"  {i}: {s.describe()}" for i, s in enumerate(self.sent)]
        errs = [f"  {m} -> {st} {d}" for _, m, st, d in self.errors[-10:]]
        return (
            "sent:\n"
            + ("\n".join(lines) or "  (nothing)")
            + "\nlast errors:\n"
            + ("\n".join(errs) or "  (none)")
            + f"\nupdates pending: {self.updates_pending()}"
        )

    async def _wait(self, cond: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            if cond():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{what} within {timeout}s\n{self.dump()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))

    def _notify(self) -> None:
        # Wake everyone waiting (long polls, wait_for); waiters re-check their condition.
        self._changed.set()
        self._changed = asyncio.Event()

    # ---------------------------------------------------------------- HTTP layer

    def _canonical(self, method: str) -> str:
        name = self._by_lower.get(method.lower())
        if name is None:
            raise ValueError(f"FakeTelegram does not implement {method!r}")
        return name

    async def _read_params(self, request: web.Request) -> _Params:
        values: JSON = dict(request.query)
        files: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON body") from None
                if isinstance(body, dict):
                    values.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = Upload(value.file.read(), value.filename, value.content_type)
                    else:
                        values[key] = value
        for key in _OBJECT_FIELDS & values.keys():
            value = values[key]
            if isinstance(value, str) and value.strip()[:1] in ("{", "["):
                with contextlib.suppress(ValueError):
                    values[key] = json.loads(value)
        return _Params(values, files)

    async def _handle(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        requested = request.match_info["method"]
        name = self._by_lower.get(requested.lower())
        stall = self._upload_stalls.get(name or "", 0.0)
        if stall > 0:
            # Before the body is read: a client that dies now never delivered its request.
            await asyncio.sleep(stall)
        try:
            params = await self._read_params(request)
        except _ApiError as err:
            self.requests.append((now, name or requested, {}))
            return self._error(name or requested, err)
        self.requests.append((now, name or requested, params.record()))
        self._notify()
        if request.match_info["token"] != self.token:
            return self._error(requested, _ApiError(401, "Unauthorized"))
        if name is None:
            return self._error(requested, _ApiError(404, "Not Found"))
        pause = self._delays.get(name, 0.0)
        if pause > 0:
            await asyncio.sleep(pause)
        queue = self._faults.get(name)
        if queue:
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.popleft()
            if fault.body is not None:
                self._record_error(name, fault.status, fault.description)
                return web.Response(status=fault.status, text=fault.body, content_type="text/html")
            return self._error(name, _ApiError(fault.status, fault.description, fault.retry_after))
        params.method = name
        try:
            result = await self._handlers[name](params)
        except _ApiError as err:
            return self._error(name, err)
        self._notify()
        return web.json_response({"ok": True, "result": result})

    def _record_error(self, method: str, status: int, description: str) -> None:
        if status == 429:
            self.count_429 += 1
        self.errors.append((time.monotonic(), method, status, description))
        self._notify()

    def _error(self, method: str, err: _ApiError) -> web.Response:
        self._record_error(method, err.status, err.description)
        body: JSON = {"ok": False, "error_code": err.status, "description": err.description}
        if err.retry_after is not None:
            body["parameters"] = {"retry_after": err.retry_after}
        return web.json_response(body, status=err.status)

    async def _download(self, request: web.Request) -> web.Response:
        not_found = {"ok": False, "error_code": 404, "description": "Not Found"}
        if request.match_info["token"] != self.token:
            return web.json_response(not_found, status=404)
        file_id = self._files_by_path.get(request.match_info["path"])
        if file_id is None:
            return web.json_response(not_found, status=404)
        stored = self._files[file_id]
        return web.Response(
            body=stored.data, content_type=stored.content_type or "application/octet-stream"
        )

    # ---------------------------------------------------------------- helpers

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_mid.get(chat_id, 1)
        self._next_mid[chat_id] = mid + 1
        return mid

    def _chat(self, p: _Params) -> _Chat:
        raw = p.values.get("chat_id")
        if raw in (None, ""):
            raise _bad("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for known in self._chats.values():
                if known.username and known.username.lower() == raw[1:].lower():
                    return known
            raise _bad("chat not found")
        chat_id = p.int_("chat_id")
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _writable(self, chat: _Chat) -> None:
        if chat.id in self._blocked:
            if chat.type == "private":
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise _ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")

    def _is_admin(self, chat_id: int, user_id: int) -> bool:
        return user_id in self._admins.get(chat_id, []) or self._owners.get(chat_id) == user_id

    def _delivered_to_bot(self, chat: _Chat, msg: JSON, replied: _Stored | None) -> bool:
        if chat.type == "private" or not self.privacy_mode:
            return True
        if self._is_admin(chat.id, self.bot_id):
            return True
        if replied is not None and replied.from_bot:
            return True
        body = msg.get("text") or msg.get("caption") or ""
        m = _COMMAND_RE.match(body)
        if m is None:
            return False
        target = m.group().partition("@")[2]
        return not target or target.lower() == self.bot_username.lower()

    def _formatted(self, text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
        mode = (parse_mode or "").lower()
        try:
            if mode == "html":
                plain, entities = parse_html(text, strict_ampersand=self.strict_ampersand)
            elif mode == "markdownv2":
                plain, entities = parse_markdown_v2(text)
            elif mode == "markdown":
                plain, entities = parse_markdown_legacy(text)
            elif mode == "":
                plain, entities = text, []
            else:
                raise _bad("unsupported parse_mode")
        except EntityParseError as err:
            raise _bad(f"can't parse entities: {err}") from None
        return _strip_formatted(plain, entities)

    def _text(self, p: _Params) -> tuple[str, list[JSON]]:
        text = p.str_("text")
        if text is None or not text.strip():
            raise _bad("message text is empty")
        plain, entities = self._formatted(text, p.str_("parse_mode"))
        if not plain:
            raise _bad("message text is empty")
        if len(plain) > TEXT_MAX:
            raise _bad("message is too long")
        return plain, entities

    def _caption(self, p: _Params) -> tuple[str, list[JSON]] | None:
        caption = p.str_("caption")
        if not caption:
            return None
        plain, entities = self._formatted(caption, p.str_("parse_mode"))
        if len(plain) > CAPTION_MAX:
            raise _bad("message caption is too long")
        return plain, entities

    def _reply_markup(self, p: _Params) -> Any:
        if not p.has("reply_markup"):
            return None
        markup = p.obj("reply_markup")
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is not None:
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not button.get("text"):
                        raise _bad('can\'t find field "text"')
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode()) <= 64:
                        raise _bad("BUTTON_DATA_INVALID")
        return markup

    def _reply_target(self, chat: _Chat, p: _Params) -> tuple[int | None, _Stored | None]:
        """(requested reply id, message to embed) from reply_parameters or the old fields."""
        reply_id: int | None = None
        allow = p.bool_("allow_sending_without_reply")
        params = p.obj("reply_parameters") if p.has("reply_parameters") else None
        if isinstance(params, dict):
            raw_id = params.get("message_id")
            reply_id = int(raw_id) if raw_id is not None else None
            allow = allow or bool(params.get("allow_sending_without_reply"))
        elif p.has("reply_to_message_id"):
            reply_id = p.int_("reply_to_message_id")
        if reply_id is None:
            return None, None
        stored = self._messages.get(chat.id, {}).get(reply_id)
        if stored is None or stored.deleted:
            if not allow:
                raise _bad("message to be replied not found")
            return reply_id, None
        return reply_id, stored

    def _thread(self, chat: _Chat, p: _Params) -> int | None:
        thread = p.int_("message_thread_id")
        # Supergroups also have reply threads; private chats and basic groups have none.
        if thread is not None and not chat.is_forum and chat.type != "supergroup":
            raise _bad("message thread not found")
        return thread

    def _flood(self, chat: _Chat) -> None:
        """Telegram's flood control for sends/edits; raises 429 when over a limit."""
        if not self.enforce_limits:
            return
        now = time.monotonic()
        waits: list[float] = []
        sends = self._global_sends
        while sends and sends[0] <= now - 1.0:
            sends.popleft()
        if len(sends) >= self.global_per_second:
            waits.append(sends[0] + 1.0 - now)
        if chat.type == "private":
            tokens, at = self._private_buckets.get(chat.id, (float(self.private_burst), now))
            tokens = min(float(self.private_burst), tokens + (now - at) * self.private_per_second)
            if tokens < 1.0:
                waits.append((1.0 - tokens) / self.private_per_second)
        else:
            group = self._group_sends.setdefault(chat.id, deque())
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self.group_per_minute:
                waits.append(group[0] + 60.0 - now)
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            raise _ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        sends.append(now)
        if chat.type == "private":
            self._private_buckets[chat.id] = (tokens - 1.0, now)
        else:
            self._group_sends[chat.id].append(now)

    def _new_file_id(self, prefix: str) -> str:
        return prefix + secrets.token_urlsafe(36)

    def _store_file(self, data: bytes, filename: str | None, content_type: str | None) -> str:
        file_id = self._new_file_id("BQACAgIAAxkDAAI")
        folder = "photos" if (content_type or "").startswith("image/") else "documents"
        ext = mimetypes.guess_extension(content_type or "") or ".bin"
        path = f"{folder}/file_{len(self._files)}{ext}"
        self._files[file_id] = _StoredFile(data, filename, content_type, _unique_id(), path)
        self._files_by_path[path] = file_id
        return file_id

    def _store_photo_sizes(self, data: bytes, filename: str, content_type: str) -> list[JSON]:
        """PhotoSize list like Telegram's (thumbnails up to 1280 px), all backed by ``data``."""
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
        sizes: list[JSON] = []
        for side in (90, 320, 800, 1280):
            scale = min(1.0, side / max(width, height))
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            file_id = self._store_file(data, filename, content_type)
            size = max(1, round(len(data) * scale * scale))
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": self._files[file_id].file_unique_id,
                    "width": w,
                    "height": h,
                    "file_size": size,
                }
            )
            if scale >= 1.0:
                break
        return sizes

    async def _input_file(
        self, p: _Params, key: str, max_bytes: int, url_max_bytes: int
    ) -> tuple[bytes, str | None, str | None, str]:
        """(data, filename, content type, source) of a file parameter."""
        ref = p.file(key)
        if ref is None:
            raise _bad(f"there is no {key} in the request")
        if isinstance(ref, Upload):
            if len(ref.data) > max_bytes:
                raise _ApiError(413, "Request Entity Too Large")
            if not ref.data:
                raise _bad("file must be non-empty")
            return ref.data, ref.filename, ref.content_type, "upload"
        if ref in self._files:
            stored = self._files[ref]
            return stored.data, stored.filename, stored.content_type, "file_id"
        if ref.startswith(("http://", "https://")):
            data, content_type = await self._fetch_url(ref, url_max_bytes)
            name = ref.rsplit("/", 1)[-1].split("?", 1)[0] or None
            return data, name, content_type, "url"
        raise _bad("wrong file identifier/HTTP URL specified")

    async def _fetch_url(self, url: str, max_bytes: int) -> tuple[bytes, str | None]:
        # Telegram downloads URLs itself; here only local fakes are reachable.
        if self._client is None:
            self._client = aiohttp.ClientSession()
        try:
            async with self._client.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                data = await resp.read()
                if resp.status != 200 or not data or len(data) > max_bytes:
                    raise _bad("failed to get HTTP URL content")
                return data, resp.content_type
        except (aiohttp.ClientError, TimeoutError):
            raise _bad("failed to get HTTP URL content") from None

    def _bot_message(self, chat: _Chat, thread: int | None, reply: _Stored | None) -> JSON:
        msg: JSON = {
            "message_id": self._new_message_id(chat.id),
            "from": dict(self.bot_user),
            "chat": chat.obj(),
            "date": int(time.time()),
        }
        if thread is not None:
            msg["message_thread_id"] = thread
            if chat.is_forum:
                msg["is_topic_message"] = True
        if reply is not None:
            msg["reply_to_message"] = _embed(reply.obj)
        return msg

    def _record_sent(
        self, method: str, chat: _Chat, msg: JSON, p: _Params, reply_id: int | None, **kw: Any
    ) -> JSON:
        markup = kw.pop("reply_markup", None)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            # Only inline keyboards are part of the Message; reply keyboards are not echoed.
            msg["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        sent = Sent(
            method=method,
            chat_id=chat.id,
            message_id=msg["message_id"],
            at=time.monotonic(),
            parse_mode=p.str_("parse_mode"),
            reply_to_message_id=reply_id,
            message_thread_id=msg.get("message_thread_id"),
            reply_markup=markup,
            params=p.record(),
            message=msg,
            **kw,
        )
        self._messages.setdefault(chat.id, {})[sent.message_id] = _Stored(
            obj=msg, from_bot=True, sent=sent
        )
        self.sent.append(sent)
        return copy.deepcopy(msg)

    def _stored_for_edit(self, p: _Params, verb: str) -> tuple[_Chat, _Stored]:
        if p.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat(p)
        mid = p.int_("message_id")
        if mid is None:
            raise _bad("message identifier is not specified")
        stored = self._messages.get(chat.id, {}).get(mid)
        if stored is None or stored.deleted:
            raise _bad(f"message to {verb} not found")
        self._writable(chat)
        if verb == "edit" and not stored.from_bot:
            raise _bad("message can't be edited")
        return chat, stored

    def _apply_edit(
        self,
        chat: _Chat,
        stored: _Stored,
        p: _Params,
        field_name: str | None,
        plain: str | None,
        entities: list[JSON],
        markup: Any,
    ) -> JSON:
        obj = stored.obj
        if field_name is not None and plain is not None:
            entity_key = "entities" if field_name == "text" else "caption_entities"
            obj[field_name] = plain
            obj.pop(entity_key, None)
            if entities:
                obj[entity_key] = entities
        # An edit without reply_markup removes the inline keyboard, as in Telegram.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            obj["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        else:
            obj.pop("reply_markup", None)
        obj["edit_date"] = int(time.time())
        edit = Edit(
            at=time.monotonic(),
            method=p.method,
            chat_id=chat.id,
            message_id=obj["message_id"],
            text=p.str_("text"),
            caption=p.str_("caption"),
            parse_mode=p.str_("parse_mode"),
            plain=plain,
            reply_markup=markup,
            params=p.record(),
        )
        self.edits.append(edit)
        if stored.sent is not None:
            stored.sent.edits.append(edit)
        return copy.deepcopy(obj)

    # ---------------------------------------------------------------- methods

    async def _get_me(self, p: _Params) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, p: _Params) -> Any:
        if self.webhook.get("url"):
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.int_("offset")
        limit = p.int_("limit") or 100
        limit = min(max(limit, 1), 100)
        timeout = max(0, p.int_("timeout") or 0)
        if p.has("allowed_updates"):
            allowed = p.obj("allowed_updates")
            if isinstance(allowed, list):
                self._allowed_updates = [str(a) for a in allowed]
        if offset is not None:
            self._confirm(offset)
        # A newer getUpdates terminates an older one still waiting (two bot instances).
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            batch = self._available(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._stopping:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            keep = -offset
            while len(self._updates) > keep:
                self._updates.popleft()
        else:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
            self._confirmed_offset = max(self._confirmed_offset, offset)

    def _available(self, limit: int) -> list[JSON]:
        default_off = {"chat_member", "message_reaction", "message_reaction_count"}
        allowed = set(self._allowed_updates)
        kept: deque[JSON] = deque()
        batch: list[JSON] = []
        for update in self._updates:
            kinds = set(update) - {"update_id"}
            ok = bool(kinds & allowed) if allowed else not kinds <= default_off
            if not ok:
                continue  # Telegram never delivers update types the bot did not ask for
            kept.append(update)
            if len(batch) < limit:
                batch.append(copy.deepcopy(update))
        self._updates = kept
        return batch

    async def _set_webhook(self, p: _Params) -> Any:
        url = p.str_("url") or ""
        if url and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if p.bool_("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {
            "url": url,
            "secret_token": p.str_("secret_token"),
            "allowed_updates": p.obj("allowed_updates") if p.has("allowed_updates") else None,
            "max_connections": p.int_("max_connections"),
        }
        return True

    async def _delete_webhook(self, p: _Params) -> Any:
        if p.bool_("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {}
        return True

    async def _get_webhook_info(self, p: _Params) -> Any:
        info: JSON = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.get("url"):
            info["max_connections"] = self.webhook.get("max_connections") or 40
            if self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    @staticmethod
    def commands_key(scope: JSON | None = None, language_code: str = "") -> str:
        """Key of ``commands``: e.g. ``"default"`` or ``'{"type": "all_group_chats"}|ru'``."""
        base = "default" if not scope else json.dumps(scope, sort_keys=True)
        return f"{base}|{language_code}" if language_code else base

    def _scope_key(self, p: _Params) -> str:
        scope = p.obj("scope") if p.has("scope") else None
        if scope is not None and not isinstance(scope, dict):
            raise _bad("can't parse BotCommandScope JSON object")
        if isinstance(scope, dict) and scope.get("type") == "default":
            scope = None
        return self.commands_key(scope, p.str_("language_code") or "")

    async def _set_my_commands(self, p: _Params) -> Any:
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        for cmd in commands:
            name = cmd.get("command", "") if isinstance(cmd, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(name)):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(p)] = commands
        return True

    async def _delete_my_commands(self, p: _Params) -> Any:
        self.commands.pop(self._scope_key(p), None)
        return True

    async def _get_my_commands(self, p: _Params) -> Any:
        return self.commands.get(self._scope_key(p), [])

    async def _store_setting(self, p: _Params) -> Any:
        self.bot_settings[p.method] = p.record()
        return True

    async def _send_message(self, p: _Params) -> Any:
        plain, entities = self._text(p)  # Telegram parses markup before looking at the chat
        chat = self._chat(p)
        self._writable(chat)
        thread = self._thread(chat, p)
        reply_id, reply = self._reply_target(chat, p)
        markup = self._reply_markup(p)
        self._flood(chat)
        msg = self._bot_message(chat, thread, reply)
        msg["text"] = plain
        if entities:
            msg["entities"] = entities
        return self._record_sent(
            "sendMessage",
            chat,
            msg,
            p,
            reply_id,
            text=p.str_("text"),
            plain_text=plain,
            entities=entities,
            reply_markup=markup,
        )

    async def _send_photo(self, p: _Params) -> Any:
        caption = self._caption(p)
        chat = self._chat(p)
        self._writable(chat)
        thread = self._thread(chat, p)
        reply_id, reply = self._reply_target(chat, p)
        markup = self._reply_markup(p)
        data, filename, ctype, source = await self._input_file(
            p, "photo", PHOTO_MAX_BYTES, PHOTO_URL_MAX_BYTES
        )
        _check_photo(data)
        self._flood(chat)
        msg = self._bot_message(chat, thread, reply)
        msg["photo"] = self._store_photo_sizes(data, filename or "photo.jpg", ctype or "")
        plain = None
        entities: list[JSON] = []
        if caption is not None:
            plain, entities = caption
            msg["caption"] = plain
            if entities:
                msg["caption_entities"] = entities
        return self._record_sent(
            "sendPhoto",
            chat,
            msg,
            p,
            reply_id,
            caption=p.str_("caption"),
            plain_text=plain,
            entities=entities,
            reply_markup=markup,
            file_bytes=data,
            filename=filename,
            content_type=ctype,
            file_source=source,
            file_id=msg["photo"][-1]["file_id"],
        )

    async def _send_document(self, p: _Params) -> Any:
        caption = self._caption(p)
        chat = self._chat(p)
        self._writable(chat)
        thread = self._thread(chat, p)
        reply_id, reply = self._reply_target(chat, p)
        markup = self._reply_markup(p)
        data, filename, ctype, source = await self._input_file(
            p, "document", DOCUMENT_MAX_BYTES, DOCUMENT_URL_MAX_BYTES
        )
        self._flood(chat)
        msg = self._bot_message(chat, thread, reply)
        # Telegram derives the MIME type from the file name, not from the part's header.
        mime = (mimetypes.guess_type(filename)[0] if filename else None) or ctype
        file_id = self._store_file(data, filename, mime)
        document: JSON = {
            "file_id": file_id,
            "file_unique_id": self._files[file_id].file_unique_id,
            "file_size": len(data),
        }
        if filename:
            document["file_name"] = filename
        if mime:
            document["mime_type"] = mime
        msg["document"] = document
        plain = None
        entities: list[JSON] = []
        if caption is not None:
            plain, entities = caption
            msg["caption"] = plain
            if entities:
                msg["caption_entities"] = entities
        return self._record_sent(
            "sendDocument",
            chat,
            msg,
            p,
            reply_id,
            caption=p.str_("caption"),
            plain_text=plain,
            entities=entities,
            reply_markup=markup,
            file_bytes=data,
            filename=filename,
            content_type=ctype,
            file_source=source,
            file_id=file_id,
        )

    async def _edit_message_text(self, p: _Params) -> Any:
        plain, entities = self._text(p)
        chat, stored = self._stored_for_edit(p, "edit")
        if "text" not in stored.obj:
            raise _bad("there is no text in the message to edit")
        markup = self._reply_markup(p)
        if (
            stored.obj.get("text") == plain
            and stored.obj.get("entities", []) == entities
            and _inline(stored.obj.get("reply_markup")) == _inline(markup)
        ):
            raise _bad(_NOT_MODIFIED)
        self._flood(chat)
        return self._apply_edit(chat, stored, p, "text", plain, entities, markup)

    async def _edit_message_caption(self, p: _Params) -> Any:
        caption = self._caption(p)
        chat, stored = self._stored_for_edit(p, "edit")
        if "text" in stored.obj:
            raise _bad("there is no caption in the message to edit")
        plain, entities = caption if caption is not None else ("", [])
        markup = self._reply_markup(p)
        if (
            stored.obj.get("caption", "") == plain
            and stored.obj.get("caption_entities", []) == entities
            and _inline(stored.obj.get("reply_markup")) == _inline(markup)
        ):
            raise _bad(_NOT_MODIFIED)
        self._flood(chat)
        if not plain:
            stored.obj.pop("caption", None)
            stored.obj.pop("caption_entities", None)
        return self._apply_edit(
            chat, stored, p, "caption" if plain else None, plain, entities, markup
        )

    async def _edit_message_reply_markup(self, p: _Params) -> Any:
        chat, stored = self._stored_for_edit(p, "edit")
        markup = self._reply_markup(p)
        if _inline(stored.obj.get("reply_markup")) == _inline(markup):
            raise _bad(_NOT_MODIFIED)
        return self._apply_edit(chat, stored, p, None, None, [], markup)

    def _delete_one(self, chat: _Chat, mid: int) -> None:
        stored = self._messages.get(chat.id, {}).get(mid)
        if stored is None or stored.deleted:
            raise _bad("message to delete not found")
        # Bots delete their own messages anywhere, users' messages only in private chats
        # or as group admins.
        if (
            not stored.from_bot
            and chat.type != "private"
            and not self._is_admin(chat.id, self.bot_id)
        ):
            raise _bad("message can't be deleted")
        stored.deleted = True
        if stored.sent is not None:
            stored.sent.deleted = True
        self.deleted.append((chat.id, mid))

    async def _delete_message(self, p: _Params) -> Any:
        chat = self._chat(p)
        mid = p.int_("message_id")
        if mid is None:
            raise _bad("message identifier is not specified")
        self._writable(chat)
        self._delete_one(chat, mid)
        return True

    async def _delete_messages(self, p: _Params) -> Any:
        chat = self._chat(p)
        ids = p.obj("message_ids")
        if not isinstance(ids, list) or not ids:
            raise _bad("message identifiers are not specified")
        self._writable(chat)
        for mid in ids:
            with contextlib.suppress(_ApiError):  # Telegram skips the ones it can't delete
                self._delete_one(chat, int(mid))
        return True

    async def _send_chat_action(self, p: _Params) -> Any:
        chat = self._chat(p)
        action = p.str_("action") or ""
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self._writable(chat)
        self._thread(chat, p)
        self.chat_actions.append((time.monotonic(), chat.id, action))
        return True

    async def _answer_callback_query(self, p: _Params) -> Any:
        query_id = p.str_("callback_query_id") or ""
        if self._callbacks.pop(query_id, None) is None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = p.str_("text")
        if text is not None and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self.callback_answers.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": p.bool_("show_alert"),
                "url": p.str_("url"),
                "cache_time": p.int_("cache_time"),
                "at": time.monotonic(),
            }
        )
        return True

    async def _get_chat(self, p: _Params) -> Any:
        chat = self._chat(p)
        info = chat.obj()
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": True,
                    "limited_gifts": True,
                    "unique_gifts": True,
                    "premium_subscription": True,
                    "gifts_from_channels": True,
                },
            }
        )
        if chat.type == "private":
            user = self._users.get(chat.id, {})
            if user.get("username"):
                info["username"] = user["username"]
        return info

    def _member(self, chat_id: int, user: JSON) -> JSON:
        if self._owners.get(chat_id) == user["id"]:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user["id"] in self._admins.get(chat_id, []):
            flags = (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
                "can_send_welcome_messages",
            )
            admin: JSON = {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_promote_members": False,
            }
            admin.update(dict.fromkeys(flags, True))
            return admin
        return {"status": "member", "user": user}

    def _user(self, user_id: int) -> JSON | None:
        if user_id == self.bot_id:
            return dict(self.bot_user)
        if user_id in self._users:
            return dict(self._users[user_id])
        if any(user_id in a for a in self._admins.values()) or user_id in self._owners.values():
            return {"id": user_id, "is_bot": False, "first_name": f"Admin {user_id}"}
        return None

    async def _get_chat_member(self, p: _Params) -> Any:
        chat = self._chat(p)
        user_id = p.int_("user_id")
        user = self._user(user_id) if user_id is not None else None
        if user is None:
            raise _bad("user not found")
        return self._member(chat.id, user)

    async def _get_chat_administrators(self, p: _Params) -> Any:
        chat = self._chat(p)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        ids: list[int] = []
        if chat.id in self._owners:
            ids.append(self._owners[chat.id])
        ids += [uid for uid in self._admins.get(chat.id, []) if uid not in ids]
        members = []
        for uid in ids:
            user = self._user(uid)
            if user is not None:
                members.append(self._member(chat.id, user))
        return members

    async def _get_file(self, p: _Params) -> Any:
        file_id = p.str_("file_id") or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }


# ------------------------------------------------------------------------------ module helpers

_COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION_RE = re.compile(r"(?<!\w)@[A-Za-z0-9_]{3,32}(?!\w)")


def _detect_entities(text: str) -> list[JSON]:
    """bot_command and mention entities Telegram adds to users' messages (UTF-16 offsets)."""
    entities: list[JSON] = []
    taken: list[tuple[int, int]] = []
    for m in _COMMAND_RE.finditer(text):
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


def _embed(obj: JSON) -> JSON:
    # Telegram embeds the replied-to message without its own reply_to_message.
    embedded = copy.deepcopy(obj)
    embedded.pop("reply_to_message", None)
    return embedded


def _inline(markup: Any) -> Any:
    return markup.get("inline_keyboard") if isinstance(markup, dict) else None


def _unique_id() -> str:
    return "AQAD" + secrets.token_urlsafe(12)


def _make_jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def _check_photo(data: bytes) -> None:
    """Telegram's checks on a photo: decodable, width + height <= 10000, ratio <= 20."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            if width + height > 10000 or max(width, height) > 20 * min(width, height):
                raise _bad("PHOTO_INVALID_DIMENSIONS")
            img.load()
    except _ApiError:
        raise
    except Exception:
        raise _bad("IMAGE_PROCESS_FAILED") from None


def _default_description(status: int, retry_after: int | None) -> str:
    if status == 429:
        return f"Too Many Requests: retry after {retry_after}"
    if status >= 500:
        return "Internal Server Error" if status == 500 else _phrase(status)
    return _phrase(status)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"
