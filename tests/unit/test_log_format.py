"""Log lines: JSON or text, each naming the task, user and chat it is about, without secrets."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from bot.ops.logs import bind, log_context, redact_also, setup_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
API_KEY = "gpt-0f9e8d7c6b5a4f3e2d1c0b9a8"


@pytest.fixture
def root_saved() -> Iterator[None]:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    httpx_level = logging.getLogger("httpx").level
    yield
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    logging.getLogger("httpx").setLevel(httpx_level)


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    sys.stderr.flush()
    return capsys.readouterr().err.splitlines()


def test_json_lines_carry_the_task_context(
    root_saved: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging([TOKEN, API_KEY], fmt="json")
    log = logging.getLogger("tests.unit.json")
    with log_context(task_id=7, user_id=5001, chat_id=-100):
        log.info("task %s delivered", 7)
    log.info("nothing in particular")
    first, second = (json.loads(line) for line in lines(capsys))
    assert first["message"] == "task 7 delivered"
    assert (first["task_id"], first["user_id"], first["chat_id"]) == (7, 5001, -100)
    assert first["level"] == "INFO" and first["logger"] == "tests.unit.json"
    assert "task_id" not in second and "user_id" not in second


def test_a_traceback_stays_on_one_json_line_and_is_redacted(
    root_saved: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging([TOKEN, API_KEY], fmt="json")
    try:
        raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/sendPhoto failed")
    except ConnectionError:
        logging.getLogger("tests.unit.json").exception("send failed with key %s", API_KEY)
    (line,) = lines(capsys)
    entry = json.loads(line)
    assert "Traceback" in entry["message"] and "bot***/sendPhoto" in entry["message"]
    assert TOKEN not in line and API_KEY not in line


def test_text_lines_name_the_task_after_the_message(
    root_saved: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging([TOKEN], fmt="text")
    with log_context(task_id=3, user_id=42, chat_id=42):
        logging.getLogger("tests.unit.text").warning("task %s: poll failed", 3)
    (line,) = lines(capsys)
    assert line.endswith("WARNING tests.unit.text: task 3: poll failed [task=3 user=42 chat=42]")


def test_a_secret_learnt_later_is_redacted_too(
    root_saved: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging([TOKEN], fmt="text")
    redact_also("generated_webhook_secret_value")
    logging.getLogger("tests.unit.text").info("header was generated_webhook_secret_value")
    (line,) = lines(capsys)
    assert "generated_webhook_secret_value" not in line and "header was ***" in line


async def test_context_bound_in_one_task_does_not_leak_into_another(
    root_saved: None, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging([], fmt="json")
    log = logging.getLogger("tests.unit.ctx")

    async def worker(task_id: int) -> None:
        bind(task_id=task_id, user_id=task_id * 10, chat_id=task_id * 100)
        await asyncio.sleep(0)
        log.info("step of %s", task_id)

    await asyncio.gather(worker(1), worker(2))
    log.info("after")
    entries = [json.loads(line) for line in lines(capsys)]
    by_message = {e["message"]: e for e in entries}
    assert by_message["step of 1"]["task_id"] == 1 and by_message["step of 1"]["chat_id"] == 100
    assert by_message["step of 2"]["task_id"] == 2 and by_message["step of 2"]["user_id"] == 20
    assert "task_id" not in by_message["after"]
