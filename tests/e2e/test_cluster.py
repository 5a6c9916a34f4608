"""Several bot processes on one PostgreSQL: exact limits, one sender for all, and failover.

The test plays the reverse proxy (webhook mode: every process takes updates) against the fake
Telegram with its flood limits enforced, and the fake GPTunnel counting every poll.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web

from tests.e2e.cluster import cluster
from tests.e2e.conftest import USER, Env
from tests.e2e.serving import free_port
from tests.e2e.test_load import busiest_second

pytestmark = __import__("pytest").mark.postgresql


async def hand_over(group: Any, env: Env) -> None:
    """Whatever users sent reaches the processes, spread round robin (as a proxy would)."""
    for update in env.telegram.take_updates():
        assert await group.post(update) == 200


async def test_a_burst_spread_over_three_processes_is_sent_once_within_every_limit(
    env: Env, postgres_url: str
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    tg.enforce_limits = True
    gpt.rule("burst", duration=1.5)
    users = range(9001, 9061)
    async with cluster(env, postgres_url, daily_limit=0, gptunnel_max_rps=5) as group:
        await group.start(3)
        await group.leader()
        for user in users:
            tg.push_message(user, user, f"a burst picture {user}")
        await hand_over(group, env)
        await tg.wait_until(lambda: len({p.chat_id for p in tg.photos()}) == len(users), 90)
        await asyncio.sleep(1.0)  # nothing more trickles in
    assert Counter(p.chat_id for p in tg.photos()) == dict.fromkeys(users, 1)
    assert tg.count_429 == 0
    assert busiest_second([t for t, _ in gpt.results]) <= 5
    assert len(gpt.creates) == len(users)


async def test_limits_are_exact_across_processes_and_a_repeated_update_starts_one_task(
    env: Env, postgres_url: str
) -> None:
    tg = env.telegram
    # No flood throttle here: all twenty must reach the quota check, in three processes.
    no_throttle = {"throttle_user_per_minute": 0}
    async with cluster(
        env, postgres_url, daily_limit=2, max_active_tasks=0, **no_throttle
    ) as group:
        await group.start(3)
        for n in range(20):
            tg.push_message(USER, USER, f"one of twenty {n}")
        updates = tg.take_updates()
        await asyncio.gather(*(group.post(update) for update in updates))
        # The same update handed to two processes (Telegram retries a webhook it timed out).
        tg.push_message(USER + 1, USER + 1, "only once")
        (twice,) = tg.take_updates()
        await asyncio.gather(
            group.post(twice, group.members[0]), group.post(twice, group.members[1])
        )
        await asyncio.sleep(2.0)
        rows = await group.rows("SELECT user_id, state FROM tasks ORDER BY id")
    assert sum(1 for row in rows if row["user_id"] == USER) == 2
    assert sum(1 for row in rows if row["user_id"] == USER + 1) == 1
    # Refusals are low-value replies: a burst of them in one chat is cut short, not all sent.
    assert any(s.text and "left today: 0 of 2" in s.text for s in tg.sent_to(USER))


async def test_killing_the_lease_holder_mid_burst_loses_and_doubles_nothing(
    env: Env, postgres_url: str
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("failover", duration=1.0)
    users = range(9101, 9141)
    async with cluster(env, postgres_url, daily_limit=0) as group:
        await group.start(3)
        leader = await group.leader()
        for user in users:
            tg.push_message(user, user, f"a failover picture {user}")
        await hand_over(group, env)
        await tg.wait_until(lambda: len(tg.photos()) >= 5, 60)
        await group.kill9(leader)
        # Tasks whose photo was on its way when the process died: the one window no Bot API
        # can close (Telegram has the photo, the bot never heard back). Only these may repeat.
        states = await group.rows("SELECT user_id, state FROM tasks")
        in_flight = {row["user_id"] for row in states if row["state"] == "ready"}
        # Creates caught mid-call are sent once more by the successor: only these may repeat.
        creating = {row["user_id"] for row in states if row["state"] == "submitting"}
        successor = await group.leader(timeout=30)
        assert successor is not leader
        await tg.wait_until(lambda: len({p.chat_id for p in tg.photos()}) == len(users), 90)
        await asyncio.sleep(1.0)
        charged = await group.rows(
            "SELECT user_id, COUNT(*) AS n FROM tasks WHERE charged = 1 GROUP BY user_id"
        )
    photos = Counter(p.chat_id for p in tg.photos())
    assert set(photos) == set(users)
    assert {user for user, n in photos.items() if n > 1} <= in_flight
    assert {row["user_id"]: row["n"] for row in charged} == dict.fromkeys(users, 1)
    creates = Counter(int(c["prompt"].rsplit(" ", 1)[1]) for c in gpt.creates)
    assert {user for user, n in creates.items() if n > 1} <= creating


async def lease_held(member: Any) -> float:
    """drawbot_lease_held from a process's /metrics (one series: its own instance)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{member.port}/metrics") as resp,
    ):
        text = await resp.text()
    (value,) = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("drawbot_lease_held{")
    ]
    return value


async def test_long_polling_one_process_polls_the_other_waits_then_takes_over(
    env: Env, postgres_url: str
) -> None:
    tg = env.telegram
    async with cluster(env, postgres_url, webhook=False) as group:
        await group.start(2)
        leader = await group.leader()
        standby = next(m for m in group.members if m is not leader)
        tg.push_message(USER, USER, "a first picture")
        await tg.wait_until(lambda: len(tg.photos(USER)) == 1, 30)
        assert tg.count_409 == 0  # nobody fought over getUpdates
        assert (await group.health(standby)) == {
            "status": "ok",
            "database": "ok",
            "poller": "standby",
            "lease": "standby",
        }
        assert await lease_held(leader) == 1.0 and await lease_held(standby) == 0.0
        await group.kill9(leader)
        assert await group.leader(timeout=30) is standby
        assert await lease_held(standby) == 1.0
        tg.push_message(USER, USER, "a second picture")
        await tg.wait_until(lambda: len(tg.photos(USER)) == 2, 30)
    assert "Traceback" not in standby.log()


async def test_what_a_standby_takes_in_is_sent_by_the_lease_holder(
    env: Env, postgres_url: str
) -> None:
    """A prompt, a command and an "original file" press that reach the process that does not
    send: their messages go out once, through the one that does."""
    tg = env.telegram
    async with cluster(env, postgres_url) as group:
        await group.start(2)
        leader = await group.leader()
        standby = next(m for m in group.members if m is not leader)
        tg.push_message(USER, USER, "a lantern at night")
        (prompt,) = tg.take_updates()
        assert await group.post(prompt, standby) == 200
        photo = await tg.wait_for(lambda s: s.is_photo, timeout=30)
        tg.push_message(USER, USER, "/quota")
        tg.push_callback_query(USER, USER, photo.message_id, f"img:orig:{photo_task(photo)}")
        for update in tg.take_updates():
            assert await group.post(update, standby) == 200
        document = await tg.wait_for(lambda s: s.method == "sendDocument", timeout=30)
        await tg.wait_until(lambda: any("of 5" in (s.text or "") for s in tg.sent_to(USER)), 30)
        await asyncio.sleep(1.0)
    assert document.reply_to_message_id == photo.message_id
    assert len([s for s in tg.sent_to(USER) if s.method == "sendDocument"]) == 1
    assert len(tg.photos(USER)) == 1
    statuses = [s for s in tg.sent_to(USER) if s.text and "Drawing" in s.text]
    assert len(statuses) <= 1  # the "drawing…" of a prompt taken in by the standby, at most once


def photo_task(photo: Any) -> str:
    rows = (photo.reply_markup or {}).get("inline_keyboard", [])
    data = next(b["callback_data"] for row in rows for b in row if "orig" in b["callback_data"])
    return str(data.rsplit(":", 1)[1])


async def test_a_picture_is_served_to_gptunnel_by_a_process_that_does_not_lead(
    env: Env, postgres_url: str
) -> None:
    """The picture to draw from lives in the shared database: the proxy in front may hand
    GPTunnel's fetch to any process, here always to the one that does not hold the lease."""
    tg, gpt = env.telegram, env.gptunnel
    target: list[int] = []  # the standby's port, once known
    served: list[int] = []

    async def forward(request: web.Request) -> web.Response:
        served.append(target[0])
        url = f"http://127.0.0.1:{target[0]}{request.rel_url}"
        async with aiohttp.ClientSession() as session, session.get(url) as resp:
            body = await resp.read()
            return web.Response(status=resp.status, body=body, content_type=resp.content_type)

    proxy = web.Application()
    proxy.router.add_get("/{tail:.*}", forward)
    runner = web.AppRunner(proxy)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        public = {"public_url": f"http://127.0.0.1:{port}", "default_model": "seedream-3"}
        async with cluster(env, postgres_url, **public) as group:
            await group.start(2)
            leader = await group.leader()
            standby = next(m for m in group.members if m is not leader)
            target.append(standby.port)
            tg.push_message(USER, USER, caption="the same, in snow", photo=True)
            for update in tg.take_updates():
                assert await group.post(update, standby) == 200
            await tg.wait_for(lambda s: s.is_photo, timeout=30)
    finally:
        await runner.cleanup()
    assert [f[1:] for f in gpt.reference_fetches] == [(200, "image/jpeg")]
    assert served == [standby.port]
    assert "reference picture of task" in standby.log()
