"""A fake GPTunnel media API for black-box tests of the bot (see ``server``)."""

from tests.fakes.gptunnel.models import (
    BASIC_ASPECT_RATIOS,
    DOCUMENTED_MODELS,
    PERMISSIVE,
    WIDE_ASPECT_RATIOS,
    ModelSpec,
)
from tests.fakes.gptunnel.references import LOCAL_HOSTS
from tests.fakes.gptunnel.server import (
    ASPECT_RATIOS,
    DEFAULT_MODELS,
    DEFAULT_PRICES,
    ERROR_TEXTS,
    FINAL_STATUSES,
    JSON,
    Endpoint,
    FakeGPTunnel,
    Rule,
    Task,
)
from tests.fakes.gptunnel.state import RecordedRequest, ReferenceFetch

__all__ = [
    "ASPECT_RATIOS",
    "BASIC_ASPECT_RATIOS",
    "DEFAULT_MODELS",
    "DEFAULT_PRICES",
    "DOCUMENTED_MODELS",
    "ERROR_TEXTS",
    "FINAL_STATUSES",
    "JSON",
    "LOCAL_HOSTS",
    "PERMISSIVE",
    "WIDE_ASPECT_RATIOS",
    "Endpoint",
    "FakeGPTunnel",
    "ModelSpec",
    "RecordedRequest",
    "ReferenceFetch",
    "Rule",
    "Task",
]
