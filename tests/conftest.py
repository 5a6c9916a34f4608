"""The suite imports aiogram the way the bot does, with models built on first use."""

import pytest

import bot  # noqa: F401  (must come before any aiogram import: see bot.telegram.lean_models)

# PostgreSQL for every folder: a schema per test; skipped without a server, failed under CI.
pytest_plugins = ["tests.postgres"]


def pytest_configure(config: pytest.Config) -> None:
    # The PostgreSQL half of the storage suite (tests/storage/conftest.py): `-m "not postgresql"`
    # leaves it out; without a server at TEST_DATABASE_URL it skips, and fails when CI=true.
    config.addinivalue_line(
        "markers", "postgresql: needs the PostgreSQL server at TEST_DATABASE_URL"
    )
