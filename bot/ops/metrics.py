"""Prometheus metrics: what the services count, on a registry of the app's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

PREFIX = "drawbot"


class Metrics:
    """One per app: its own registry, so several apps in one process (tests) never clash."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.tasks_created = Counter(
            f"{PREFIX}_tasks_created", "Tasks written (quota charged)", ["model"], registry=r
        )
        self.tasks_delivered = Counter(
            f"{PREFIX}_tasks_delivered", "Tasks whose image reached the chat", ["model"], registry=r
        )
        self.tasks_failed = Counter(
            f"{PREFIX}_tasks_failed",
            "Tasks that ended without an image (quota given back)",
            ["reason", "model"],
            registry=r,
        )
        self.tasks_open = Gauge(
            f"{PREFIX}_tasks_open", "Tasks not yet delivered or failed", registry=r
        )
        self.generation_seconds = Histogram(
            f"{PREFIX}_generation_seconds",
            "From the prompt being recorded to the image being ready upstream",
            ["model"],
            buckets=(1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600),
            registry=r,
        )
        self.delivery_lag_seconds = Histogram(
            f"{PREFIX}_delivery_lag_seconds",
            "From the image being ready upstream to it being in the chat",
            ["model"],
            buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
            registry=r,
        )
        self.gptunnel_requests = Counter(
            f"{PREFIX}_gptunnel_requests",
            "Calls to GPTunnel by endpoint and outcome (ok or the error kind)",
            ["endpoint", "outcome"],
            registry=r,
        )
        self.telegram_429 = Counter(
            f"{PREFIX}_telegram_429", "Telegram flood-control answers (429)", registry=r
        )
        self.replies_dropped = Counter(
            f"{PREFIX}_replies_dropped",
            "Replies not sent because too many already waited in their chat",
            registry=r,
        )
        self.updates_throttled = Counter(
            f"{PREFIX}_updates_throttled",
            "Updates refused by the per-person or per-chat throttle, before any work",
            registry=r,
        )
        self.quota_refusals = Counter(
            f"{PREFIX}_quota_refusals",
            "Prompts refused because the daily quota was used up",
            registry=r,
        )
        self.gptunnel_resubmitted = Counter(
            f"{PREFIX}_gptunnel_resubmitted",
            "Creates sent once more because the first may have reached GPTunnel (a crash while "
            "it was under way, or its answer lost): each may have drawn twice",
            registry=r,
        )
        self.create_unrecorded = Gauge(
            f"{PREFIX}_gptunnel_create_unrecorded",
            "Tasks GPTunnel has answered a create for whose id is not yet stored: a crash now "
            "would send them again",
            registry=r,
        )
        self.create_unrecorded_peak = Gauge(
            f"{PREFIX}_gptunnel_create_unrecorded_peak",
            "The most tasks ever at once between a create's answer and its id being stored",
            registry=r,
        )
        self._unrecorded = 0
        self._unrecorded_peak = 0
        self.lease_held = Gauge(
            f"{PREFIX}_lease_held",
            "1 while this process holds the lease (runs the background loop and sends for every "
            "process), 0 while it stands by",
            ["instance"],
            registry=r,
        )

    def image_ready(self, model: str, seconds: float) -> None:
        self.generation_seconds.labels(model).observe(max(seconds, 0.0))

    def delivered(self, model: str, lag: float) -> None:
        self.tasks_delivered.labels(model).inc()
        self.delivery_lag_seconds.labels(model).observe(max(lag, 0.0))

    def failed(self, reason: str, model: str) -> None:
        self.tasks_failed.labels(reason, model).inc()

    @contextmanager
    def recording_create(self) -> Iterator[None]:
        """Around storing a create's answer: the window a crash would make resubmit."""
        self._unrecorded += 1
        if self._unrecorded > self._unrecorded_peak:
            self._unrecorded_peak = self._unrecorded
            self.create_unrecorded_peak.set(self._unrecorded_peak)
        self.create_unrecorded.set(self._unrecorded)
        try:
            yield
        finally:
            self._unrecorded -= 1
            self.create_unrecorded.set(self._unrecorded)

    def render(self, open_tasks: int | None) -> bytes:
        """The text exposition; open tasks are counted by the caller at scrape time."""
        if open_tasks is not None:
            self.tasks_open.set(open_tasks)
        return generate_latest(self.registry)
