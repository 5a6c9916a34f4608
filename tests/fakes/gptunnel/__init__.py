"""A fake GPTunnel media API for black-box tests of the bot (see ``server``)."""

from tests.fakes.gptunnel.server import (
    ASPECT_RATIOS,
    DEFAULT_MODELS,
    ERROR_TEXTS,
    FINAL_STATUSES,
    JSON,
    Endpoint,
    FakeGPTunnel,
    Rule,
    Task,
)

__all__ = [
    "ASPECT_RATIOS",
    "DEFAULT_MODELS",
    "ERROR_TEXTS",
    "FINAL_STATUSES",
    "JSON",
    "Endpoint",
    "FakeGPTunnel",
    "Rule",
    "Task",
]
