"""RedactSecrets: secrets never reach a log line, neither through args nor through tracebacks."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest

from bot.ops.logs import RedactSecrets, setup_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
API_KEY = "gpt-0f9e8d7c6b5a4f3e2d1c0b9a8"


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, ListHandler]]:
    handler = ListHandler()
    handler.addFilter(RedactSecrets([TOKEN, API_KEY]))
    logger = logging.getLogger("tests.unit.redact")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, handler
    logger.handlers.clear()
    logger.propagate = True


def assert_clean(text: str) -> None:
    assert TOKEN not in text
    assert API_KEY not in text
    # Not even a recognisable piece of either.
    assert TOKEN.split(":")[1] not in text
    assert API_KEY[4:] not in text


def test_secret_in_args_is_redacted(captured) -> None:
    logger, handler = captured
    logger.info("token %s and key %r", TOKEN, API_KEY)
    assert len(handler.lines) == 1
    assert_clean(handler.text)
    assert handler.lines[0] == "INFO tests.unit.redact: token *** and key '***'"


def test_secret_in_message_is_redacted(captured) -> None:
    logger, handler = captured
    logger.warning(f"calling https://api.telegram.org/bot{TOKEN}/sendPhoto")
    assert_clean(handler.text)
    assert "https://api.telegram.org/bot***/sendPhoto" in handler.text


def test_secret_in_dict_args_is_redacted(captured) -> None:
    logger, handler = captured
    logger.info("headers %s", {"Authorization": API_KEY})
    assert_clean(handler.text)
    assert "'Authorization': '***'" in handler.text


def test_secret_in_exception_text_is_redacted(captured) -> None:
    logger, handler = captured
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
    except ConnectionError:
        logger.exception("start-up failed")
    text = handler.text
    assert_clean(text)
    assert "start-up failed" in text
    assert "Traceback" in text
    assert text.count("Traceback") == 1
    assert "ConnectionError: cannot reach https://api.telegram.org/bot***/getMe" in text


def test_secret_in_a_chained_exception_is_redacted(captured) -> None:
    logger, handler = captured
    try:
        try:
            raise ValueError(f"bad header Authorization: {API_KEY}")
        except ValueError as inner:
            raise RuntimeError(f"GET https://api.telegram.org/bot{TOKEN}/getUpdates") from inner
    except RuntimeError:
        logger.error("poll failed", exc_info=True)
    text = handler.text
    assert_clean(text)
    assert "ValueError: bad header Authorization: ***" in text
    assert "RuntimeError: GET https://api.telegram.org/bot***/getUpdates" in text


def test_secret_in_exception_passed_as_arg_is_redacted(captured) -> None:
    logger, handler = captured
    exc = OSError(f"https://api.telegram.org/bot{TOKEN}/getMe: connection refused")
    logger.warning("network: %s", exc)
    assert_clean(handler.text)
    assert "bot***/getMe" in handler.text


def test_message_with_percent_and_no_args_survives(captured) -> None:
    logger, handler = captured
    logger.info("100%% done for %s", TOKEN)
    logger.info("50% literal")
    assert handler.lines == [
        "INFO tests.unit.redact: 100% done for ***",
        "INFO tests.unit.redact: 50% literal",
    ]


def test_two_handlers_with_the_filter_both_stay_clean() -> None:
    first, second = ListHandler(), ListHandler()
    for handler in (first, second):
        handler.addFilter(RedactSecrets([TOKEN]))
    logger = logging.getLogger("tests.unit.redact.two")
    logger.handlers[:] = [first, second]
    logger.propagate = False
    try:
        try:
            raise RuntimeError(f"bot{TOKEN}")
        except RuntimeError:
            logger.exception("oops %s", TOKEN)
    finally:
        logger.handlers.clear()
        logger.propagate = True
    for handler in (first, second):
        assert_clean(handler.text)
        assert "oops ***" in handler.text
        assert "RuntimeError: bot***" in handler.text


def test_longer_secret_is_replaced_whole() -> None:
    handler = ListHandler()
    handler.addFilter(RedactSecrets(["abcdefgh", "abcdefgh-and-more"]))
    logger = logging.getLogger("tests.unit.redact.overlap")
    logger.handlers[:] = [handler]
    logger.propagate = False
    try:
        logger.warning("value=%s", "abcdefgh-and-more")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    assert handler.lines == ["WARNING tests.unit.redact.overlap: value=***"]


def test_empty_and_tiny_secrets_do_not_blank_ordinary_text() -> None:
    handler = ListHandler()
    handler.addFilter(RedactSecrets(["", "a", "e"]))
    logger = logging.getLogger("tests.unit.redact.tiny")
    logger.handlers[:] = [handler]
    logger.propagate = False
    try:
        logger.warning("a message here")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    assert handler.lines == ["WARNING tests.unit.redact.tiny: a message here"]


def test_setup_logging_installs_the_filter(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    httpx_level = logging.getLogger("httpx").level
    try:
        setup_logging([TOKEN, API_KEY], level=logging.INFO)
        assert len(root.handlers) == 1
        assert any(isinstance(f, RedactSecrets) for f in root.handlers[0].filters)
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
        logging.getLogger("tests.unit.setup").warning("key=%s url=.../bot%s/", API_KEY, TOKEN)
        sys.stderr.flush()
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        logging.getLogger("httpx").setLevel(httpx_level)
    err = capsys.readouterr().err
    assert "key=*** url=.../bot***/" in err
    assert_clean(err)
