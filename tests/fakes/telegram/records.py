"""What the fake keeps: records of the bot's sends and edits (``Sent``, ``Edit``), uploaded file
parts (``Upload``), downloads (``FileDownload``), payments (``Payment``, ``PreCheckoutAnswer``,
``FailedPayment``, ``Refund``), and the stored chats, messages and files behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


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
class StoredFile:
    """A file Telegram keeps: what getFile describes and the download serves."""

    data: bytes
    filename: str | None
    content_type: str | None
    file_unique_id: str
    file_path: str
    kind: str = "document"  # "photo" or "document": what it may be sent again as
    sizes: list[JSON] | None = None  # a photo's whole PhotoSize list (each size is a file)


@dataclass
class FileDownload:
    """One successful GET of /file/bot<token>/<file_path>."""

    at: float
    file_id: str
    file_path: str
    size: int


@dataclass
class Chat:
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
class StoredMessage:
    """A message in the fake's history (from a user or from the bot)."""

    obj: JSON
    from_bot: bool
    deleted: bool = False
    sent: Sent | None = None


@dataclass
class Payment:
    """A successful payment the fake delivered (``push_successful_payment``)."""

    charge_id: str
    user_id: int
    chat_id: int
    payload: str
    total_amount: int
    currency: str
    provider_charge_id: str
    refunded: bool = False


@dataclass
class PreCheckoutAnswer:
    """The bot's answerPreCheckoutQuery, with how long after the push it came."""

    query_id: str
    user_id: int
    payload: str
    ok: bool
    error_message: str | None
    seconds: float  # between push_pre_checkout_query and the answer


@dataclass
class FailedPayment:
    """A checkout that did not go through: declined by the bot or not answered in time."""

    query_id: str
    user_id: int
    payload: str
    total_amount: int
    currency: str
    reason: str  # "declined" (ok=false) or "timeout" (no answer within 10 s)
    error_message: str | None = None


@dataclass
class Refund:
    """A refundStarPayment that went through."""

    user_id: int
    charge_id: str
    total_amount: int
    at: float
