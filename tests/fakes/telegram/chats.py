"""Chats: the chats the fake knows, looking one up from ``chat_id`` (with Telegram's access
checks: blocked, kicked, upgraded to a supergroup), getChat, and a basic group's upgrade to a
supergroup (``migrate_chat``).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, Literal

from tests.fakes.telegram.protocol import ApiError, Params, bad
from tests.fakes.telegram.records import JSON, Chat, StoredMessage
from tests.fakes.telegram.state import TelegramState
from tests.fakes.telegram.users import GROUP_ANONYMOUS_BOT

# What a method needs of a chat, as the Bot API server checks it: "read" (getChat, the bot's own
# membership), "members" (other members' details) or "write" (sending, editing, deleting).
Access = Literal["read", "members", "write"]


class ChatsMixin(TelegramState):
    """Chats, access checks, getChat and group-to-supergroup migration."""

    _API: ClassVar[dict[str, str]] = {"getChat": "_get_chat"}

    def _init_state(self) -> None:
        super()._init_state()
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}  # basic group -> the supergroup it became

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
            chat = self._chats[chat_id] = Chat(chat_id, chat_type)
        chat.type = chat_type
        chat.title = title or chat.title
        chat.first_name = first_name or chat.first_name
        chat.username = username or chat.username
        chat.is_forum = chat.is_forum or is_forum

    def block(self, chat_id: int) -> None:
        """The user blocks the bot (private) or removes it (group): sends get 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo ``block``."""
        self._blocked.discard(chat_id)

    def migrate_chat(self, old_chat_id: int, *, by_user_id: int | None = None) -> int:
        """Upgrade a basic group to a supergroup as Telegram does; returns the new chat id.

        The old group gets a service message with ``migrate_to_chat_id``, the new supergroup
        (same title, same admins and owner, none of the old messages) one with
        ``migrate_from_chat_id``; both reach the bot even in privacy mode. From then on methods
        that write to the old id, or read its members, answer 400 with ``migrate_to_chat_id``.
        ``by_user_id`` (default: the owner) is who upgraded it.
        """
        old = self._chats.get(old_chat_id)
        if old is None or old.type != "group" or old_chat_id in self._migrated:
            raise ValueError(f"chat {old_chat_id} is not a basic group the fake knows")
        new_id = -(10**12) - 10**9 - abs(old_chat_id) % 10**9  # -100 and ten digits
        while new_id in self._chats:
            new_id -= 1
        title = old.obj()["title"]
        new = self._chats[new_id] = Chat(new_id, "supergroup", title=title)
        self._migrated[old_chat_id] = new_id
        self._carry_members(old_chat_id, new_id)
        if old_chat_id in self._blocked:
            self._blocked.add(new_id)

        user_id = by_user_id if by_user_id is not None else self._owners.get(old_chat_id)
        upgrader = self._user(user_id) if user_id is not None else None
        if upgrader is None:
            upgrader = {"id": user_id or 1, "is_bot": False, "first_name": "Group owner"}
        now = int(time.time())
        to_msg: JSON = {
            "message_id": self._new_message_id(old_chat_id),
            "from": upgrader,
            "chat": old.obj(),
            "date": now,
            "migrate_to_chat_id": new_id,
        }
        from_msg: JSON = {
            "message_id": self._new_message_id(new_id),
            "from": dict(GROUP_ANONYMOUS_BOT),
            "sender_chat": new.obj(),
            "chat": new.obj(),
            "date": now,
            "migrate_from_chat_id": old_chat_id,
        }
        for chat_id, msg in ((old_chat_id, to_msg), (new_id, from_msg)):
            self._messages.setdefault(chat_id, {})[msg["message_id"]] = StoredMessage(
                obj=msg, from_bot=False
            )
            self.push_update({"message": msg})
        return new_id

    def migrated_to(self, old_chat_id: int) -> int | None:
        """The supergroup a basic group became, if it was upgraded."""
        return self._migrated.get(old_chat_id)

    def _chat(self, p: Params, access: Access = "write") -> Chat:
        """The chat of ``chat_id``, or the error Telegram answers for it."""
        raw = p.values.get("chat_id")
        if raw in (None, ""):
            raise bad("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            for known in self._chats.values():
                if known.username and known.username.lower() == raw[1:].lower():
                    return known
            raise bad("chat not found")
        chat_id = p.int_("chat_id")
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad("chat not found")
        if chat.id in self._migrated and access != "read":
            raise bad(
                "group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": self._migrated[chat.id]},
            )
        return chat

    def _writable(self, chat: Chat) -> None:
        if chat.id in self._blocked:
            if chat.type == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if chat.type != "private":
            self._bot_may_write(chat)

    async def _get_chat(self, p: Params) -> Any:
        chat = self._chat(p, "read")
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
