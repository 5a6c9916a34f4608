"""The layers stay honest: who may import whom (see README, "Architecture").

Every rule reads the real source with `ast`, so a new module is checked the moment it exists.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def imports_of(source: str, module: str) -> Iterator[str]:
    """Every module name `source` (the text of `module`) imports, relative imports resolved."""
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [base])])
            if base:
                yield base
            # `from bot import texts` imports the module bot.texts, not just the package.
            yield from (".".join(filter(None, [base, alias.name])) for alias in node.names)


def modules(*roots: str) -> Iterator[tuple[str, Path]]:
    for root in roots:
        for path in sorted((REPO / root).rglob("*.py")):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


@dataclass(frozen=True)
class Rule:
    """Modules under `where` (minus `except_in`) must not import anything under `banned`."""

    where: tuple[str, ...]
    banned: tuple[str, ...]
    why: str
    except_in: tuple[str, ...] = ()

    def applies_to(self, module: str) -> bool:
        inside = any(module == w or module.startswith(w + ".") for w in self.where)
        return inside and module not in self.except_in

    def breaks(self, imported: str) -> bool:
        return any(imported == b or imported.startswith(b + ".") for b in self.banned)


RULES = (
    Rule(
        ("handlers",),
        ("storage", "httpx", "aiosqlite", "asyncpg", "sqlite3"),
        "handlers translate Telegram to service calls; storage and HTTP are behind services",
    ),
    Rule(
        ("storage",),
        ("aiogram", "bot", "handlers", "httpx"),
        "storage knows tables, not Telegram, services or HTTP",
    ),
    Rule(
        ("bot", "handlers", "storage"),
        ("bot.app",),
        "bot.app is the composition root: only the entry point starts it",
        except_in=("bot.app", "bot.__main__"),
    ),
    Rule(
        ("bot",),
        ("handlers",),
        "services never reach back into the routers; only the wiring includes them",
        except_in=("bot.app",),
    ),
    Rule(
        ("bot.drawing",),
        ("aiogram", "handlers", "bot.telegram", "bot.delivery", "bot.pipeline"),
        "taking a prompt in is Telegram-free; what happens next is handed over by the wiring",
    ),
    Rule(
        ("bot.gptunnel",),
        ("aiogram", "storage", "bot.drawing", "bot.pipeline", "bot.delivery"),
        "the GPTunnel client is a client: it knows HTTP and its own error taxonomy",
    ),
    Rule(
        ("bot.models", "bot.payments"),
        ("aiogram", "handlers", "bot.telegram", "bot.drawing", "bot.delivery", "bot.pipeline"),
        "the model catalogue and the sale of credits are Telegram-free rules and services",
    ),
    Rule(
        (
            "bot.models.catalogue",
            "bot.models.builtin",
            "bot.models.loading",
            "bot.payments.packs",
        ),
        ("storage", "bot.settings", "bot.ops", "bot.language", "bot.gptunnel"),
        "the settings read the catalogue and the packs at start: they are pure data",
    ),
    Rule(
        ("bot.telegram",),
        ("storage", "bot.drawing", "bot.pipeline"),
        "Telegram plumbing knows nothing of tasks' storage or the drawing rules",
        except_in=("bot.telegram.webhook",),
    ),
)


def violations(rule: Rule, sources: dict[str, str]) -> list[str]:
    found = []
    for module, source in sources.items():
        if not rule.applies_to(module):
            continue
        for imported in imports_of(source, module):
            if rule.breaks(imported):
                found.append(f"{module} imports {imported}")
    return sorted(set(found))


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return {name: path.read_text() for name, path in modules("bot", "handlers", "storage")}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.why[:40])
def test_no_layer_is_crossed(rule: Rule, sources: dict[str, str]) -> None:
    assert violations(rule, sources) == [], rule.why


def test_the_checker_catches_a_crossing() -> None:
    # A handler that reaches for storage, a storage module that imports aiogram, and a
    # service that imports the wiring: each must be reported.
    planted = {
        "handlers.sneaky": "from storage import TaskStore\n",
        "storage.sneaky": "from aiogram import Bot\n",
        "bot.ops.sneaky": "import bot.app\n",
        "handlers.relative": "from .. import storage\n",
    }

    def offenders(rule: Rule) -> set[str]:
        return {line.split(" imports ")[0] for line in violations(rule, planted)}

    assert offenders(RULES[0]) == {"handlers.sneaky", "handlers.relative"}
    assert offenders(RULES[1]) == {"storage.sneaky"}
    assert offenders(RULES[2]) == {"bot.ops.sneaky"}


def test_sql_lives_in_storage_only() -> None:
    keywords = ("SELECT ", "INSERT INTO", "UPDATE tasks", "DELETE FROM", "CREATE TABLE")
    for module, path in modules("bot", "handlers"):
        text = path.read_text()
        assert not any(k in text for k in keywords), f"{module} holds SQL"
