"""The /lang choice is cached in front of storage: for good with one process, for a few seconds
when processes share the database (another may have taken the /lang in)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.language.choice import LanguageService
from storage import Database, UserRepository, open_database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    yield database
    await database.close()


async def test_a_choice_made_elsewhere_shows_once_the_cache_ages(db: Database) -> None:
    now = [1000.0]
    here = LanguageService(UserRepository(db), clock=lambda: now[0], cache_for=5.0)
    there = LanguageService(UserRepository(db), clock=lambda: now[0], cache_for=5.0)
    assert await here.locale(7, "en") == "en"
    await there.choose(7, "ru")  # /lang ru taken in by another process
    assert await here.locale(7, "en") == "en"  # still cached
    now[0] += 6.0
    assert await here.locale(7, "en") == "ru"


async def test_alone_the_cache_never_goes_back_to_storage(db: Database) -> None:
    users = UserRepository(db)
    service = LanguageService(users)
    await service.choose(7, "ru")
    await users.choose_locale(7, "en", 0.0)  # nobody else writes it in one process
    assert await service.locale(7, None) == "ru"
