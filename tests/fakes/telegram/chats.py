"""Chats and their members: the chats the fake knows, whether the bot may write there (blocked,
kicked), administrators and owners, and getChat, getChatMember, getChatAdministrators.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from tests.fakes.telegram.protocol import ApiError, Params, bad
from tests.fakes.telegram.records import JSON, Chat
from tests.fakes.telegram.state import TelegramState


class ChatsMixin(TelegramState):
    """Chats, blocking, admins and member lookups."""

    _API: ClassVar[dict[str, str]] = {
        "getChat": "_get_chat",
        "getChatMember": "_get_chat_member",
        "getChatAdministrators": "_get_chat_administrators",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self._blocked: set[int] = set()
        self._admins: dict[int, list[int]] = {}
        self._owners: dict[int, int] = {}

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
        self._blocked.discard(chat_id)

    def set_admins(
        self, chat_id: int, user_ids: Iterable[int], *, owner_id: int | None = None
    ) -> None:
        """Administrators (and optionally the owner) of a group, for getChatMember and co."""
        self._admins[chat_id] = list(user_ids)
        if owner_id is not None:
            self._owners[chat_id] = owner_id

    def _chat(self, p: Params) -> Chat:
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
        return chat

    def _writable(self, chat: Chat) -> None:
        if chat.id in self._blocked:
            if chat.type == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")

    def _is_admin(self, chat_id: int, user_id: int) -> bool:
        return user_id in self._admins.get(chat_id, []) or self._owners.get(chat_id) == user_id

    async def _get_chat(self, p: Params) -> Any:
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

    async def _get_chat_member(self, p: Params) -> Any:
        chat = self._chat(p)
        user_id = p.int_("user_id")
        user = self._user(user_id) if user_id is not None else None
        if user is None:
            raise bad("user not found")
        return self._member(chat.id, user)

    async def _get_chat_administrators(self, p: Params) -> Any:
        chat = self._chat(p)
        if chat.type == "private":
            raise bad("there are no administrators in the private chat")
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
