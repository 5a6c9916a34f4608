"""The PostgreSQL the tests use, for every folder: a schema per test, and the two backends as a
parameter (`database_url`): an SQLite file, then a PostgreSQL schema.

PostgreSQL is the server at TEST_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/test by
default). Each test gets a schema of its own, named after the process and a random suffix and
dropped afterwards, so runs side by side never meet. Without a reachable server the
PostgreSQL half is skipped, with one line saying how to enable it; under CI=true that is a
failure instead.
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

from storage.urls import redacted

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
SKIP_PREFIX = "PostgreSQL storage tests skipped"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def with_search_path(url: str, schema: str) -> str:
    """The URL with `search_path` set for its connections (asyncpg takes query parameters it
    does not know as server settings)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"]
    query.append(("search_path", schema))
    return urlunsplit(parts._replace(query=urlencode(query)))


@functools.cache
def _postgres() -> tuple[str, str | None]:
    """TEST_DATABASE_URL, and why it cannot be used (None: it answered). Asked once per run."""
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL

    async def probe() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return url, f"{redacted(url)} did not answer ({type(exc).__name__})"
    return url, None


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url, problem = _postgres()
    if problem is not None:
        if in_ci():
            pytest.fail(f"PostgreSQL storage tests cannot run (CI=true): {problem}", pytrace=False)
        pytest.skip(_skip_reason(problem))
    return url


def _skip_reason(problem: str) -> str:
    return (
        f"{SKIP_PREFIX}: {problem}; start it, or set "
        "TEST_DATABASE_URL=postgresql://user@host:5432/db to run them"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    # Every PostgreSQL test skips for the same reason: fold them into one line of -rs.
    report = yield
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and SKIP_PREFIX in str(longrepr[2]):
        report.longrepr = (__file__, _postgres.__wrapped__.__code__.co_firstlineno, longrepr[2])
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # The one line saying why they skipped and how to run them, even under -q.
    if _postgres.cache_info().currsize and not in_ci():
        problem = _postgres()[1]
        if problem is not None:
            terminalreporter.write_line(_skip_reason(problem), yellow=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL to a fresh, empty schema of this test's own, dropped after it."""
    schema = f"test_{os.getpid()}_{secrets.token_hex(4)}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(postgres_server)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_search_path(postgres_server, schema)
    finally:
        asyncio.run(run(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database of each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'bot.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
