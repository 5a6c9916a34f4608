"""`kill -9` in the middle of a burst: everyone still gets exactly one picture, and a create
goes out a second time only for the tasks whose first one was under way at that moment."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.e2e.conftest import Env

PEOPLE = range(7001, 7061)  # sixty people prompting at once, each in their own chat


def prompt_of(person: int) -> str:
    return f"a lighthouse number {person}"


async def test_kill9_in_a_burst_of_sixty_every_person_gets_one_picture(
    env: Env, bot_process: Any
) -> None:
    tg, gpt = env.telegram, env.gptunnel
    # Each create makes its task upstream at once and answers a moment later, so a fair share
    # of them are under way whenever the process dies.
    gpt.fail_next("create", delay=0.6, after=True, times=len(PEOPLE))
    first = bot_process()
    await first.start()
    for person in PEOPLE:
        tg.push_message(person, person, prompt_of(person))
    rows = await env.wait_rows(
        lambda rows: (
            len(rows) == len(PEOPLE)
            and sum(r["state"] == "submitting" for r in rows) >= 3
            and sum(r["state"] in ("submitted", "ready", "delivered") for r in rows) >= 3
        ),
        timeout=30,
    )
    await first.kill9()
    rows = env.rows()  # as the crash left them
    in_flight = {r["prompt"] for r in rows if r["state"] == "submitting"}
    assert in_flight

    second = bot_process()
    await second.start()
    await tg.wait_until(lambda: len(tg.photos()) >= len(PEOPLE), timeout=60)
    await env.wait_rows(lambda rows: all(r["state"] == "delivered" for r in rows), timeout=30)
    assert await second.terminate() == 0

    assert all(len(tg.photos(person)) == 1 for person in PEOPLE)
    sent = Counter(c["prompt"] for c in gpt.creates)
    assert set(sent) == {prompt_of(person) for person in PEOPLE}
    for prompt, times in sent.items():
        # Sent twice only if its first create was cut off by the crash; never more.
        assert times <= (2 if prompt in in_flight else 1), prompt
    assert {r["prompt"] for r in env.rows() if r["resubmitted"]} == in_flight
    assert second.log().count("was cut off while being created") == len(in_flight)
    assert all(env.charged(person) == 1 for person in PEOPLE)
