"""The bot's own profile: getMe, its command menus (set/get/deleteMyCommands, keyed by scope and
language) and the other profile settings it stores (description, name, menu button).
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from tests.fakes.telegram.protocol import Params, bad
from tests.fakes.telegram.records import JSON
from tests.fakes.telegram.state import TelegramState


class BotProfileMixin(TelegramState):
    """getMe, commands and profile settings."""

    _API: ClassVar[dict[str, str]] = {
        "getMe": "_get_me",
        "setMyCommands": "_set_my_commands",
        "deleteMyCommands": "_delete_my_commands",
        "getMyCommands": "_get_my_commands",
        "setMyDescription": "_store_setting",
        "setMyShortDescription": "_store_setting",
        "setMyName": "_store_setting",
        "setChatMenuButton": "_store_setting",
    }

    def _init_state(self) -> None:
        super()._init_state()
        self.commands: dict[str, list[JSON]] = {}  # key: scope+language, see commands_key
        self.bot_settings: JSON = {}

    async def _get_me(self, p: Params) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @staticmethod
    def commands_key(scope: JSON | None = None, language_code: str = "") -> str:
        """Key of ``commands``: e.g. ``"default"`` or ``'{"type": "all_group_chats"}|ru'``."""
        base = "default" if not scope else json.dumps(scope, sort_keys=True)
        return f"{base}|{language_code}" if language_code else base

    def _scope_key(self, p: Params) -> str:
        scope = p.obj("scope") if p.has("scope") else None
        if scope is not None and not isinstance(scope, dict):
            raise bad("can't parse BotCommandScope JSON object")
        if isinstance(scope, dict) and scope.get("type") == "default":
            scope = None
        return self.commands_key(scope, p.str_("language_code") or "")

    async def _set_my_commands(self, p: Params) -> Any:
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        for cmd in commands:
            name = cmd.get("command", "") if isinstance(cmd, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(name)):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(p)] = commands
        return True

    async def _delete_my_commands(self, p: Params) -> Any:
        self.commands.pop(self._scope_key(p), None)
        return True

    async def _get_my_commands(self, p: Params) -> Any:
        return self.commands.get(self._scope_key(p), [])

    async def _store_setting(self, p: Params) -> Any:
        self.bot_settings[p.method] = p.record()
        return True
