"""Each user action is one call from its handler to the services, and the reply is made from
what that call returns (README, "Architecture")."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import Update

from bot.language import picture_texts, texts
from bot.telegram.buttons import ImageAction, ImageButton, PictureModelButton
from handlers.history import RedrawButton
from tests.i18n import EN
from tests.routing.test_routing import GROUP, USER, Harness, group_message, harness, message

__all__ = ["harness"]  # the fixture, shared with the routing tests

SERVICES = (
    "drawing",
    "pictures",
    "my_tasks",
    "quotas",
    "originals",
    "languages",
    "admin",
    "models",
    "shop",
    "purchases",
    "chat_moves",
)
# Asked by routers' filters before any handler runs, not by handlers.
FILTERS = frozenset({"is_operator"})


class Counting:
    """Stands in for a service in the dispatcher's data and counts the calls made on it."""

    def __init__(self, name: str, real: Any, calls: list[str]) -> None:
        self._name, self._real, self._calls = name, real, calls

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._real, attr)
        if callable(value):

            def counted(*args: Any, **kwargs: Any) -> Any:
                if attr not in FILTERS:
                    self._calls.append(f"{self._name}.{attr}")
                return value(*args, **kwargs)

            return counted
        return value


def count_calls(harness: Harness) -> list[str]:
    calls: list[str] = []
    for name in SERVICES:
        harness.dp.workflow_data[name] = Counting(name, harness.dp.workflow_data[name], calls)
    return calls


def callback(data: str, message_id: int, chat: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": f"q{message_id}",
        "from": USER,
        "chat_instance": "ci",
        "data": data,
        "message": {
            "message_id": message_id,
            "date": 0,
            "chat": chat or {"id": USER["id"], "type": "private", "first_name": "Ann"},
            "from": {"id": 4242, "is_bot": True, "first_name": "Draw"},
            "text": "picture",
        },
    }


async def press(harness: Harness, data: str, message_id: int, **kw: Any) -> None:
    update = Update(update_id=90_000 + message_id, callback_query=callback(data, message_id, **kw))
    await harness.dp.feed_update(harness.bot, update)
    await harness.parts.poller.settle()
    await harness.parts.status.settle()
    await harness.parts.local_replies.settle()
    await harness.parts.originals.settle()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a red fox", ["drawing.draw"]),
        ("/draw a red fox", ["drawing.draw"]),
        ("/quota", ["quotas.of_person"]),
        ("/help", ["quotas.of_person"]),
        ("/history", ["my_tasks.history"]),
        ("/cancel", ["my_tasks.cancel"]),
        ("/lang ru", ["languages.choose"]),
        ("/model", ["models.model_menu"]),
        ("/model flux-dev", ["models.choose_model"]),
        ("/ar", ["models.ratio_menu"]),
        ("/ar 1:1", ["models.choose_ratio"]),
        ("a fox --model flux-dev --ar 1:1", ["drawing.draw"]),
        ("a fox --ar 1:1", ["drawing.draw"]),  # refused by the service, rendered by the handler
        ("x" * 501, ["drawing.draw"]),  # refused by the service, rendered by the handler
    ],
)
async def test_each_private_action_is_one_service_call(
    harness: Harness, text: str, expected: list[str]
) -> None:
    calls = count_calls(harness)
    await harness.feed(message(text))
    assert calls == expected
    assert harness.replies() or harness.creates  # and the outcome was answered


async def test_group_actions_are_one_call_each(harness: Harness) -> None:
    calls = count_calls(harness)
    await harness.feed(group_message("/draw a castle"))
    await harness.feed(group_message("@draw_test_bot a castle"))
    await harness.feed(group_message("/grouplimit"))
    assert calls == ["drawing.draw", "drawing.draw", "quotas.of_group"]


async def test_a_group_upgraded_is_one_call_per_service_message_and_no_reply(
    harness: Harness,
) -> None:
    old = {"id": -4001, "type": "group", "title": "Cats"}
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group"}
    calls = count_calls(harness)
    await harness.feed(message(chat=old, migrate_to_chat_id=GROUP["id"]))
    await harness.feed(
        group_message(None, user=anonymous, sender_chat=GROUP, migrate_from_chat_id=-4001)
    )
    assert calls == ["chat_moves.move", "chat_moves.move"]
    assert harness.replies() == []
    rows = await harness.db.fetchall("SELECT old_chat_id, new_chat_id FROM chat_migrations")
    assert [(row[0], row[1]) for row in rows] == [(-4001, GROUP["id"])]


@pytest.mark.parametrize("harness", [{"max_active_tasks": 0}], indirect=True)
async def test_each_button_is_one_service_call(harness: Harness) -> None:
    await harness.feed(message("a red fox"))
    task_id = (await harness.task_rows())[0]["id"]
    # As if its picture had gone out as message 501: the buttons act under it alone.
    await harness.db.execute("UPDATE tasks SET picture_message_id = 501 WHERE id = ?", (task_id,))
    calls = count_calls(harness)
    again = ImageButton(action=ImageAction.AGAIN, task_id=task_id).pack()
    original = ImageButton(action=ImageAction.ORIGINAL, task_id=task_id).pack()
    await press(harness, again, 501)
    await press(harness, original, 501)
    await press(harness, RedrawButton(task_id=task_id, for_chat=False).pack(), 503)
    await press(harness, again, 504)  # under another message: unknown
    await press(harness, again, 501, chat=GROUP)  # a picture of another chat: unknown
    assert calls == [
        "drawing.again",
        "originals.send",
        "drawing.redraw",
        "drawing.again",
        "drawing.again",
    ]
    assert len(harness.creates) == 3  # the first prompt, "again", the redraw


@pytest.mark.parametrize("text", ["/draw a castle", "/quota", "/history", "/cancel", "/lang ru"])
async def test_a_channel_writing_in_a_group_asks_no_service(harness: Harness, text: str) -> None:
    channel = {"id": -100999, "type": "channel", "title": "Someone's channel"}
    channel_bot = {"id": 136817688, "is_bot": True, "first_name": "Channel"}
    calls = count_calls(harness)
    await harness.feed(group_message(text, user=channel_bot, sender_chat=channel))
    assert calls == []
    assert harness.replies() == [texts.channel_refused(EN)]
    assert harness.creates == []


@pytest.mark.parametrize("harness", [{"star_packs": "10:50", "admin_ids": "111"}], indirect=True)
async def test_model_ratio_and_payment_actions_are_one_call_each(harness: Harness) -> None:
    calls = count_calls(harness)
    await harness.feed(message("/buy"))
    await press(harness, "model:flux-dev", 601)
    await press(harness, "ar:16:9", 602)
    await press(harness, "buy:10:50", 603)
    await harness.feed(group_message("/model"))
    await harness.feed(group_message("/model flux-dev", sender_chat=GROUP))  # an anonymous admin
    checkout = {
        "id": "pc-1",
        "from": USER,
        "currency": "XTR",
        "total_amount": 50,
        "invoice_payload": "pack:10:50",
    }
    await harness.dp.feed_update(harness.bot, Update(update_id=70_001, pre_checkout_query=checkout))
    payment = {
        "currency": "XTR",
        "total_amount": 50,
        "invoice_payload": "pack:10:50",
        "telegram_payment_charge_id": "charge-1",
        "provider_payment_charge_id": "p-1",
    }
    await harness.feed(message(successful_payment=payment))
    await harness.feed(message("/refund charge-1"))  # USER (111) is the operator here
    await harness.feed(message("/paysupport"))  # the operator's words or the catalogue's: no call
    assert calls == [
        "shop.menu",
        "models.choose_model",
        "models.choose_ratio",
        "shop.offer",
        "models.model_menu",
        "models.choose_model",
        "shop.pre_checkout",
        "purchases.credit",
        "purchases.refund",
    ]


PHOTO = [{"file_id": "p", "file_unique_id": "pu", "width": 10, "height": 10}]


async def test_picture_actions_are_one_call_each(harness: Harness) -> None:
    # Without PUBLIC_URL every one of them is answered "not set up" by the service itself.
    calls = count_calls(harness)
    await harness.feed(message(None, photo=PHOTO, caption="the same, at night"))
    await harness.feed(message("/draw at night", photo=PHOTO))
    await harness.feed(group_message("/draw at night", reply_to_message=message(None, photo=PHOTO)))
    question = {
        "message_id": 700,
        "date": 0,
        "chat": {"id": USER["id"], "type": "private", "first_name": "Ann"},
        "from": {"id": 4242, "is_bot": True, "first_name": "Draw"},
        "text": picture_texts.edit_question(EN, 1),
    }
    await harness.feed(message("make it night", reply_to_message=question))
    await press(harness, ImageButton(action=ImageAction.EDIT, task_id=1).pack(), 701)
    await press(harness, PictureModelButton(waiting=1, model="seedream-3").pack(), 702)
    assert calls == [
        "pictures.draw",
        "pictures.draw",
        "pictures.draw",
        "pictures.edit",
        "pictures.ask_edit",
        "pictures.with_model",
    ]
    assert harness.creates == []
