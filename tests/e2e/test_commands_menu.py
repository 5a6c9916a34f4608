"""The command menus registered at start: private and group scopes, English and Russian."""

from __future__ import annotations

from typing import Any

from bot.language import texts
from tests.e2e.conftest import USER, Env
from tests.fakes import FakeTelegram
from tests.i18n import EN, RU

PRIVATE = {"type": "all_private_chats"}
GROUPS = {"type": "all_group_chats"}


async def test_commands_are_registered_for_both_scopes_and_languages(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    async with bot_running():
        pass
    key = FakeTelegram.commands_key
    assert set(tg.commands) == {
        key(PRIVATE),
        key(PRIVATE, "ru"),
        key(GROUPS),
        key(GROUPS, "ru"),
    }
    for scope, names in ((PRIVATE, texts.PRIVATE_COMMANDS), (GROUPS, texts.GROUP_COMMANDS)):
        for code, _ in (("", EN), ("ru", RU)):
            assert tg.commands[key(scope, code)] == [
                {"command": name, "description": texts.command_description(_, name)}
                for name in names
            ]
    assert "grouplimit" in texts.GROUP_COMMANDS and "grouplimit" not in texts.PRIVATE_COMMANDS
    assert (
        tg.commands[key(PRIVATE, "ru")][0]["description"]
        != tg.commands[key(PRIVATE)][0]["description"]
    )


async def test_a_refused_menu_does_not_stop_the_bot(env: Env, bot_running: Any) -> None:
    tg = env.telegram
    tg.fail_next("setMyCommands", status=400, description="Bad Request: BOT_COMMAND_INVALID")
    async with bot_running():
        tg.push_message(USER, USER, "still drawing")
        await tg.wait_for(lambda s: s.is_photo)
    assert len(tg.commands) == 3  # the other three were registered
