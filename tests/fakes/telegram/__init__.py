"""A fake Telegram Bot API server for black-box tests of the bot.

The bot talks to it exactly as it would to api.telegram.org (aiogram's
``TelegramAPIServer.from_base(base_url)``). Tests play the users by pushing updates, then look
at what the bot sent. Error texts, status codes and object shapes follow the real Bot API, so
that the bot's error handling is exercised against what Telegram really answers.

``FakeTelegram`` is put together from one mixin per concern; each module says what it holds:

- ``server``: lifecycle, dispatch of ``/bot<token>/<method>``, errors, fault injection
- ``protocol``: request parameters and error answers
- ``state``: identity, shared stores and records, views and waiting
- ``updates``: the update queue, getUpdates long polling, the webhook
- ``users``: what users do (messages, button presses)
- ``sending`` / ``editing``: the bot's sends, edits and deletes
- ``files``: uploads, photo sizes, getFile, downloads
- ``flood``: flood limits
- ``payments``: invoices, checkouts, payments and refunds in Telegram Stars
- ``chats``: chats, access checks (blocked, upgraded to a supergroup), migration
- ``members``: owners, admins and member statuses
- ``bot_profile``: getMe, commands and profile settings
- ``markup``, ``markup_html``, ``markup_markdown``: parse_mode parsing
- ``records``: ``Sent``, ``Edit``, ``Upload``, payment records and the stored objects
"""

from __future__ import annotations

from tests.fakes.telegram.bot_profile import BotProfileMixin
from tests.fakes.telegram.chats import ChatsMixin
from tests.fakes.telegram.editing import EditingMixin
from tests.fakes.telegram.files import (
    DOCUMENT_MAX_BYTES,
    DOCUMENT_URL_MAX_BYTES,
    PHOTO_MAX_BYTES,
    PHOTO_URL_MAX_BYTES,
    FilesMixin,
)
from tests.fakes.telegram.flood import FloodMixin
from tests.fakes.telegram.markup import EntityParseError, utf16_len
from tests.fakes.telegram.markup_html import parse_html
from tests.fakes.telegram.markup_markdown import parse_markdown_legacy, parse_markdown_v2
from tests.fakes.telegram.members import MembersMixin
from tests.fakes.telegram.payments import PaymentsMixin
from tests.fakes.telegram.records import (
    JSON,
    Edit,
    FailedPayment,
    FileDownload,
    Payment,
    PreCheckoutAnswer,
    Refund,
    Sent,
    Upload,
)
from tests.fakes.telegram.sending import CAPTION_MAX, TEXT_MAX, SendingMixin
from tests.fakes.telegram.server import ServerMixin, base_url, free_port
from tests.fakes.telegram.updates import UpdatesMixin
from tests.fakes.telegram.users import UsersMixin


class FakeTelegram(
    PaymentsMixin,
    EditingMixin,
    SendingMixin,
    UsersMixin,
    ChatsMixin,
    MembersMixin,
    FilesMixin,
    FloodMixin,
    UpdatesMixin,
    BotProfileMixin,
    ServerMixin,
):
    """A fake Telegram Bot API server (see the package docstring).

    Records: ``sent`` (successful sends, as ``Sent``), ``requests`` (every call),
    ``errors``, ``chat_actions``, ``edits``, ``deleted``, ``callback_answers``, ``count_429``,
    ``count_409``, ``file_downloads``, ``pre_checkout_answers``, ``failed_payments``,
    ``payments``, ``refunds``, ``invoice_links``.

    Controls: users act with ``push_message``, ``push_callback_query``,
    ``push_pre_checkout_query``, ``push_successful_payment``, ``push_update``; chats change with
    ``add_chat``, ``block``, ``set_admins``, ``set_member_status``, ``migrate_chat``; the
    server with ``start(port)``, ``stop``, ``fail_next``, ``delay``, ``stall_upload``.
    """


__all__ = [
    "CAPTION_MAX",
    "DOCUMENT_MAX_BYTES",
    "DOCUMENT_URL_MAX_BYTES",
    "JSON",
    "PHOTO_MAX_BYTES",
    "PHOTO_URL_MAX_BYTES",
    "TEXT_MAX",
    "Edit",
    "EntityParseError",
    "FailedPayment",
    "FakeTelegram",
    "FileDownload",
    "Payment",
    "PreCheckoutAnswer",
    "Refund",
    "Sent",
    "Upload",
    "base_url",
    "free_port",
    "parse_html",
    "parse_markdown_legacy",
    "parse_markdown_v2",
    "utf16_len",
]
