"""Members of groups: owners, administrators and everyone's status (member, restricted, left,
kicked), as getChatMember and getChatAdministrators answer; the bot's own status decides whether
it may still write there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from tests.fakes.telegram.protocol import ApiError, Params, bad
from tests.fakes.telegram.records import JSON, Chat
from tests.fakes.telegram.state import TelegramState

MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
_ADMIN_RIGHTS = (
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
_MEMBER_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


class MembersMixin(TelegramState):
    """Owners, admins and member statuses, and the methods that read them."""

    _API: ClassVar[dict[str, str]] = {
        "getChatMember": "_get_chat_member",
        "getChatAdministrators": "_get_chat_administrators",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self._admins: dict[int, list[int]] = {}
        self._owners: dict[int, int] = {}
        # chat -> user -> (status, until_date) for statuses other than creator/administrator
        self._statuses: dict[int, dict[int, tuple[str, int]]] = {}

    def set_admins(
        self, chat_id: int, user_ids: Iterable[int], *, owner_id: int | None = None
    ) -> None:
        """Administrators (and optionally the owner) of a group, for getChatMember and co."""
        self._admins[chat_id] = list(user_ids)
        if owner_id is not None:
            self._owners[chat_id] = owner_id

    def set_member_status(
        self, chat_id: int, user_id: int, status: str, *, until_date: int = 0
    ) -> None:
        """Make a user creator, administrator, member, restricted, left or kicked of a group."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}, not {status!r}")
        admins = self._admins.setdefault(chat_id, [])
        if user_id in admins:
            admins.remove(user_id)
        if self._owners.get(chat_id) == user_id:
            del self._owners[chat_id]
        self._statuses.setdefault(chat_id, {}).pop(user_id, None)
        if status == "creator":
            self._owners[chat_id] = user_id
        elif status == "administrator":
            admins.append(user_id)
        else:
            self._statuses[chat_id][user_id] = (status, until_date)
        if user_id != self.bot_id and user_id not in self._users:
            self._users[user_id] = {"id": user_id, "is_bot": False, "first_name": "User"}

    def members(self, chat_id: int) -> dict[int, str]:
        """Status of everyone the fake knows in a chat: set ones, and "member" for writers."""
        found: dict[int, str] = {}
        for stored in self._messages.get(chat_id, {}).values():
            sender = stored.obj.get("from", {}).get("id")
            if not stored.from_bot and sender in self._users:
                found[sender] = "member"
        for user_id, (status, _) in self._statuses.get(chat_id, {}).items():
            found[user_id] = status
        for user_id in self._admins.get(chat_id, []):
            found[user_id] = "administrator"
        if chat_id in self._owners:
            found[self._owners[chat_id]] = "creator"
        return found

    def _is_admin(self, chat_id: int, user_id: int) -> bool:
        return user_id in self._admins.get(chat_id, []) or self._owners.get(chat_id) == user_id

    def _bot_may_write(self, chat: Chat) -> None:
        """403 when the bot left or was kicked from the group (set_member_status)."""
        status, _ = self._statuses.get(chat.id, {}).get(self.bot_id, ("member", 0))
        kind = "supergroup" if chat.type == "supergroup" else "group"
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    def _carry_members(self, old_chat_id: int, new_chat_id: int) -> None:
        """The members of a basic group stay members of the supergroup it became."""
        if old_chat_id in self._admins:
            self._admins[new_chat_id] = list(self._admins[old_chat_id])
        if old_chat_id in self._owners:
            self._owners[new_chat_id] = self._owners[old_chat_id]
        if old_chat_id in self._statuses:
            self._statuses[new_chat_id] = dict(self._statuses[old_chat_id])

    def _member(self, chat_id: int, user: JSON) -> JSON:
        if self._owners.get(chat_id) == user["id"]:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user["id"] in self._admins.get(chat_id, []):
            admin: JSON = {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_promote_members": False,
            }
            admin.update(dict.fromkeys(_ADMIN_RIGHTS, True))
            return admin
        status, until_date = self._statuses.get(chat_id, {}).get(user["id"], ("member", 0))
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": until_date}
        if status == "restricted":
            restricted: JSON = {"status": "restricted", "user": user, "is_member": True}
            restricted.update(dict.fromkeys(_MEMBER_PERMISSIONS, False))
            restricted["until_date"] = until_date
            return restricted
        return {"status": status, "user": user}

    def _user(self, user_id: int) -> JSON | None:
        if user_id == self.bot_id:
            return dict(self.bot_user)
        if user_id in self._users:
            return dict(self._users[user_id])
        if any(user_id in a for a in self._admins.values()) or user_id in self._owners.values():
            return {"id": user_id, "is_bot": False, "first_name": f"Admin {user_id}"}
        return None

    async def _get_chat_member(self, p: Params) -> Any:
        user_id = p.int_("user_id")
        # Telegram needs only read access to the chat for the bot itself.
        chat = self._chat(p, "read" if user_id == self.bot_id else "members")
        user = self._user(user_id) if user_id is not None else None
        if user is None:
            raise bad("user not found")
        return self._member(chat.id, user)

    async def _get_chat_administrators(self, p: Params) -> Any:
        chat = self._chat(p, "members")
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
