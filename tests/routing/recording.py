"""A recording aiogram session: every call is kept, and answered like Telegram would."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerPreCheckoutQuery,
    DeleteMessage,
    EditMessageText,
    GetChatMember,
    GetMe,
    RefundStarPayment,
    SendChatAction,
    SendDocument,
    SendInvoice,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    Chat,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberOwner,
    Message,
    User,
)

BOT_USER = User(id=4242, is_bot=True, first_name="Draw", username="draw_test_bot")


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self._ids = itertools.count(10_000)
        # (chat, user) -> "creator" or "administrator"; everyone else is a plain member.
        self.admins: dict[tuple[int, int], str] = {}
        # charge ids refundStarPayment knows, and those already refunded.
        self.charges: set[str] = set()
        self.refunded: set[str] = set()

    def of(self, kind: type[TelegramMethod[Any]]) -> list[Any]:
        return [r for r in self.requests if isinstance(r, kind)]

    def texts(self) -> list[str]:
        return [r.text for r in self.of(SendMessage)]

    async def close(self) -> None:
        return None

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        self.requests.append(method)
        result: Any
        if isinstance(method, GetMe):
            result = BOT_USER
        elif isinstance(method, SendMessage | SendPhoto | SendDocument):
            result = Message(
                message_id=next(self._ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                from_user=BOT_USER,
                text=getattr(method, "text", None),
            )
        elif isinstance(method, SendInvoice):
            result = Message(
                message_id=next(self._ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                from_user=BOT_USER,
            )
        elif isinstance(method, GetChatMember):
            result = self._member(int(method.chat_id), method.user_id)
        elif isinstance(method, RefundStarPayment):
            charge = method.telegram_payment_charge_id
            if charge not in self.charges:
                raise TelegramBadRequest(method=method, message="Bad Request: CHARGE_NOT_FOUND")
            if charge in self.refunded:
                raise TelegramBadRequest(
                    method=method, message="Bad Request: CHARGE_ALREADY_REFUNDED"
                )
            self.refunded.add(charge)
            result = True
        elif isinstance(
            method,
            SendChatAction
            | DeleteMessage
            | EditMessageText
            | AnswerCallbackQuery
            | AnswerPreCheckoutQuery,
        ):
            result = True
        else:
            raise AssertionError(f"unexpected call {type(method).__name__}")
        return result  # type: ignore[no-any-return]

    def _member(self, chat_id: int, user_id: int) -> Any:
        user = User(id=user_id, is_bot=False, first_name="Member")
        status = self.admins.get((chat_id, user_id))
        if status == "creator":
            return ChatMemberOwner(user=user, is_anonymous=False)
        if status == "administrator":
            return ChatMemberAdministrator(
                user=user,
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_send_welcome_messages=False,
            )
        return ChatMemberMember(user=user)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise AssertionError("no downloads from Telegram in these tests")
        yield b""
