"""/healthz and /metrics next to long polling (HEALTH_PORT), against the fakes."""

from __future__ import annotations

import json
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import OTHER, USER, Env
from tests.e2e.serving import base_url, free_port, get


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_healthz_is_200_while_the_loop_runs_and_503_once_it_stops(
    env: Env, bot_running: Any
) -> None:
    async with bot_running(health_port=free_port()) as app:
        status, body = await get(base_url(app) + "/healthz")
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        assert json.loads(body)["database"] == "ok" and json.loads(body)["poller"] == "ok"

        await app.poller.stop()
        status, body = await get(base_url(app) + "/healthz")
        assert status == 503
        assert json.loads(body)["status"] == "unhealthy"
        assert json.loads(body)["poller"] == "stopped"


async def test_no_health_server_unless_asked(env: Env, bot_running: Any) -> None:
    async with bot_running() as app:
        assert app.http is None


async def test_metrics_count_a_delivered_and_a_failed_task(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("forbidden", create_code=1001)
    tg.fail_next("sendPhoto", status=429, retry_after=1)
    async with bot_running(health_port=free_port(), daily_limit=1) as app:
        tg.push_message(USER, USER, "a calm lake")
        await tg.wait_for(lambda s: s.is_photo, timeout=20)
        tg.push_message(OTHER, OTHER, "something forbidden")
        await env.wait_rows(lambda rows: len(rows) == 2 and rows[1]["state"] == "failed")
        tg.push_message(USER, USER, "one more lake")  # over the limit of one a day
        await tg.wait_until(lambda: len(tg.sent_to(USER)) >= 3)
        status, text = await get(base_url(app) + "/metrics")
    assert status == 200
    found = samples(text)
    model = ("model", "yandex-art")
    assert found[("drawbot_tasks_created_total", (model,))] == 2
    assert found[("drawbot_tasks_delivered_total", (model,))] == 1
    assert found[("drawbot_tasks_failed_total", (model, ("reason", "moderation")))] == 1
    assert found[("drawbot_tasks_open", ())] == 0
    assert found[("drawbot_generation_seconds_count", (model,))] == 1
    assert found[("drawbot_delivery_lag_seconds_count", (model,))] == 1
    assert found[("drawbot_quota_refusals_total", ())] == 1
    assert found[("drawbot_telegram_429_total", ())] == 1
    create_ok = found[
        ("drawbot_gptunnel_requests_total", (("endpoint", "create"), ("outcome", "ok")))
    ]
    refused = (("endpoint", "create"), ("outcome", "moderation"))
    assert create_ok == 1 and found[("drawbot_gptunnel_requests_total", refused)] == 1
    assert (
        found[("drawbot_gptunnel_requests_total", (("endpoint", "download"), ("outcome", "ok")))]
        == 1
    )


async def test_open_tasks_are_counted_at_scrape_time(env: Env, bot_running: Any) -> None:
    tg, gpt = env.telegram, env.gptunnel
    gpt.rule("slow", duration=30)
    async with bot_running(health_port=free_port()) as app:
        tg.push_message(USER, USER, "a slow sunrise")
        await env.wait_rows(lambda rows: rows[0]["state"] == "submitted")
        _, text = await get(base_url(app) + "/metrics")
    assert samples(text)[("drawbot_tasks_open", ())] == 1
