"""Self-tests of the fake Telegram's chats and members: a basic group upgraded to a supergroup,
and members' statuses (creator, administrator, member, restricted, left, kicked).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramForbiddenError, TelegramMigrateToChat

from tests.fakes import FakeTelegram
from tests.fakes.telegram_selftest import TOKEN, aiogram_bot, call, http_client, image_bytes

GROUP = -4001
OWNER, ADMIN, USER = 10, 11, 12


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as fake:
        yield fake


@pytest.fixture
async def tg_http(tg: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(tg) as client:
        yield client


async def updates(tg_http: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every update pending, confirmed at once."""
    _, body = await call(tg_http, "getUpdates", timeout=0)
    result: list[dict[str, Any]] = body["result"]
    if result:
        await call(tg_http, "getUpdates", offset=result[-1]["update_id"] + 1, timeout=0)
    return result


async def test_group_upgraded_to_supergroup(tg: FakeTelegram, tg_http: httpx.AsyncClient) -> None:
    tg.set_admins(GROUP, [ADMIN], owner_id=OWNER)
    asked = tg.push_message(GROUP, USER, "/draw@draw_test_bot cat", chat_type="group", title="Cats")
    _, body = await call(tg_http, "sendMessage", chat_id=GROUP, text="Drawing…")
    status_mid = body["result"]["message_id"]
    await updates(tg_http)

    new_id = tg.migrate_chat(GROUP)
    assert str(new_id).startswith("-100") and len(str(new_id)) == 14
    assert tg.migrated_to(GROUP) == new_id
    # Both service messages reach the bot (privacy mode is on, the bot is no admin).
    to_msg, from_msg = [u["message"] for u in await updates(tg_http)]
    assert to_msg["chat"] == {"id": GROUP, "type": "group", "title": "Cats"}
    assert to_msg["migrate_to_chat_id"] == new_id
    assert to_msg["from"]["id"] == OWNER  # the owner upgraded it
    assert from_msg["chat"] == {"id": new_id, "type": "supergroup", "title": "Cats"}
    assert from_msg["migrate_from_chat_id"] == GROUP
    assert from_msg["sender_chat"] == from_msg["chat"]
    assert from_msg["from"]["username"] == "GroupAnonymousBot"

    upgraded = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": new_id},
    }
    for method, params in [
        ("sendMessage", {"text": "still here?"}),
        ("sendDocument", {"document": "BQACAgIAAxkDAAInot-a-real-file-at-all"}),
        ("editMessageText", {"message_id": status_mid, "text": "done"}),
        ("editMessageCaption", {"message_id": status_mid, "caption": "done"}),
        ("deleteMessage", {"message_id": status_mid}),
        ("sendChatAction", {"action": "typing"}),
        ("getChatMember", {"user_id": USER}),
        ("getChatAdministrators", {}),
    ]:
        assert await call(tg_http, method, chat_id=GROUP, **params) == (400, upgraded), method
    photo = await tg_http.post(
        "/sendPhoto", data={"chat_id": str(GROUP)}, files={"photo": ("p.png", image_bytes())}
    )
    assert (photo.status_code, photo.json()) == (400, upgraded)
    # Reading the old group itself still works, as with Telegram.
    _, chat = await call(tg_http, "getChat", chat_id=GROUP)
    assert chat["result"]["type"] == "group"
    _, me = await call(tg_http, "getChatMember", chat_id=GROUP, user_id=tg.bot_id)
    assert me["result"]["status"] == "member"

    # The supergroup: same owner and admins, none of the old messages.
    _, owner = await call(tg_http, "getChatMember", chat_id=new_id, user_id=OWNER)
    _, admin = await call(tg_http, "getChatMember", chat_id=new_id, user_id=ADMIN)
    assert (owner["result"]["status"], admin["result"]["status"]) == ("creator", "administrator")
    status, body = await call(
        tg_http, "sendMessage", chat_id=new_id, text="x", reply_to_message_id=status_mid
    )
    assert (status, body["description"]) == (400, "Bad Request: message to be replied not found")
    status, body = await call(
        tg_http,
        "sendMessage",
        chat_id=new_id,
        text="Here now",
        reply_parameters={"message_id": status_mid, "allow_sending_without_reply": True},
    )
    assert status == 200 and "reply_to_message" not in body["result"]
    assert body["result"]["chat"]["type"] == "supergroup"

    again = tg.push_message(new_id, USER, "/draw@draw_test_bot a dog", chat_type="supergroup")
    [update] = await updates(tg_http)
    assert update["message"]["message_id"] == again
    assert update["message"]["chat"]["title"] == "Cats"
    with pytest.raises(ValueError, match="upgraded"):
        tg.push_message(GROUP, USER, "hello?", chat_type="group")
    with pytest.raises(ValueError, match="not a basic group"):
        tg.migrate_chat(new_id)
    assert asked == 1


async def test_migration_through_aiogram(tg: FakeTelegram) -> None:
    tg.push_message(-77, USER, "/start@draw_test_bot", chat_type="group", title="G")
    new_id = tg.migrate_chat(-77, by_user_id=USER)
    bot = aiogram_bot(tg.base_url)
    try:
        with pytest.raises(TelegramMigrateToChat) as moved:
            await bot.send_message(-77, "hi")
        assert moved.value.migrate_to_chat_id == new_id
        sent = await bot.send_message(moved.value.migrate_to_chat_id, "hi again")
        assert sent.chat.id == new_id
        updates = await bot.get_updates(timeout=0)
    finally:
        await bot.session.close()
    service = [u.message for u in updates if u.message and u.message.migrate_to_chat_id]
    assert [m.from_user.id for m in service if m.from_user] == [USER]
    assert [u.message.migrate_from_chat_id for u in updates if u.message][-1] == -77


async def test_member_statuses(tg: FakeTelegram) -> None:
    chat = -100500
    tg.push_message(chat, USER, "hi", chat_type="supergroup", title="G")
    tg.set_member_status(chat, 2, "administrator")
    tg.set_member_status(chat, 3, "creator")
    tg.set_member_status(chat, 4, "left")
    tg.set_member_status(chat, 5, "kicked", until_date=1_900_000_000)
    tg.set_member_status(chat, 6, "restricted")
    assert tg.members(chat) == {
        USER: "member",
        2: "administrator",
        3: "creator",
        4: "left",
        5: "kicked",
        6: "restricted",
    }
    bot = aiogram_bot(tg.base_url)
    try:
        statuses = {uid: (await bot.get_chat_member(chat, uid)).status for uid in range(2, 7)}
        assert statuses == {
            2: ChatMemberStatus.ADMINISTRATOR,
            3: ChatMemberStatus.CREATOR,
            4: ChatMemberStatus.LEFT,
            5: ChatMemberStatus.KICKED,
            6: ChatMemberStatus.RESTRICTED,
        }
        assert (await bot.get_chat_member(chat, USER)).status == ChatMemberStatus.MEMBER
        admins = await bot.get_chat_administrators(chat)
        assert [m.user.id for m in admins] == [3, 2]

        tg.set_member_status(chat, 2, "left")  # an admin leaves
        assert [m.user.id for m in await bot.get_chat_administrators(chat)] == [3]
        assert tg.members(chat)[2] == "left"

        tg.set_member_status(chat, tg.bot_id, "left")
        with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup"):
            await bot.send_message(chat, "hi")
        tg.set_member_status(chat, tg.bot_id, "kicked")
        with pytest.raises(TelegramForbiddenError, match="bot was kicked from the supergroup"):
            await bot.send_chat_action(chat, "typing")
        tg.set_member_status(chat, tg.bot_id, "administrator")
        await bot.send_message(chat, "back, as an admin")
    finally:
        await bot.session.close()
    # As an admin the bot gets all messages, privacy mode or not.
    before = tg.updates_pending()
    tg.push_message(chat, USER, "just chatting", chat_type="supergroup")
    assert tg.updates_pending() == before + 1
    with pytest.raises(ValueError, match="status must be one of"):
        tg.set_member_status(chat, USER, "banned")
