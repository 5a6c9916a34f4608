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
    # No STAR_PACKS: nothing is sold, so neither /buy nor /paysupport is offered.
    private = texts.menu(texts.PRIVATE_COMMANDS, payments=False)
    assert "buy" not in private and "paysupport" not in private and "model" in private
    for scope, names in ((PRIVATE, private), (GROUPS, texts.GROUP_COMMANDS)):
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


async def test_buy_and_paysupport_are_in_the_private_menu_while_credits_are_sold(
    env: Env, bot_running: Any
) -> None:
    tg = env.telegram
    async with bot_running(star_packs="10:50"):
        pass
    key = FakeTelegram.commands_key
    for code, _ in (("", EN), ("ru", RU)):
        private = [c["command"] for c in tg.commands[key(PRIVATE, code)]]
        assert private == list(texts.PRIVATE_COMMANDS)
        assert {"buy", "paysupport", "model", "ar"} <= set(private)
        assert tg.commands[key(GROUPS, code)] == [
            {"command": name, "description": texts.command_description(_, name)}
            for name in texts.GROUP_COMMANDS
        ]
