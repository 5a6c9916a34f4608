"""A fake GPTunnel media API for black-box tests of the bot.

Layout: ``server`` (FakeGPTunnel: the HTTP API, its knobs and records), ``models`` (what each
model takes at create, the ``issues`` of a refused create), ``state`` (tasks, rules, download
behaviours, recorded requests), ``references`` (fetching reference images), ``downloads``
(result files that misbehave), ``responses`` (error answers, WebP files, hand-framed bodies).
"""

from tests.fakes.gptunnel.models import (
    ASPECT_RATIOS,
    BASIC_ASPECT_RATIOS,
    DEFAULT_MODELS,
    DOCUMENTED_MODELS,
    PERMISSIVE,
    WIDE_ASPECT_RATIOS,
    ModelSpec,
)
from tests.fakes.gptunnel.references import LOCAL_HOSTS
from tests.fakes.gptunnel.responses import ERROR_TEXTS, JSON
from tests.fakes.gptunnel.server import DEFAULT_PRICES, Endpoint, FakeGPTunnel
from tests.fakes.gptunnel.state import (
    CROSS_ORIGIN,
    FINAL_STATUSES,
    HTML_PAGE,
    Download,
    DownloadRecord,
    RecordedRequest,
    ReferenceFetch,
    Rule,
    Task,
)

__all__ = [
    "ASPECT_RATIOS",
    "BASIC_ASPECT_RATIOS",
    "CROSS_ORIGIN",
    "DEFAULT_MODELS",
    "DEFAULT_PRICES",
    "DOCUMENTED_MODELS",
    "ERROR_TEXTS",
    "FINAL_STATUSES",
    "HTML_PAGE",
    "JSON",
    "LOCAL_HOSTS",
    "PERMISSIVE",
    "WIDE_ASPECT_RATIOS",
    "Download",
    "DownloadRecord",
    "Endpoint",
    "FakeGPTunnel",
    "ModelSpec",
    "RecordedRequest",
    "ReferenceFetch",
    "Rule",
    "Task",
]
