"""Prometheus metrics, and the one call adapters use to answer a message while being measured.

Every series carries a `process` label (host:pid, see `ProcessLabelled`), so that several
processes behind one address never look like one. Counters and histograms are this process's own:
sum them. The `clusterbot_outbox_*` and `clusterbot_job_*` gauges are read from the shared
database, so every process reports the same value: take their `max`, never their `sum`.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import Counter, Gauge, Histogram, Info
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from core import __version__
from core.types import Incoming, Reply

UPDATES_IN = Counter("clusterbot_updates_total", "Messages and button presses received", ["platform"])
REPLIES_OUT = Counter("clusterbot_replies_total", "Replies and proactive messages sent", ["platform"])
HANDLER_SECONDS = Histogram(
    "clusterbot_handler_seconds",
    "Time to answer one message, store included",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
ERRORS = Counter("clusterbot_errors_total", "Errors by platform and kind", ["platform", "kind"])
OUTBOX_DEPTH = Gauge(
    "clusterbot_outbox_depth", "Outbox messages by status, database-wide (use max, not sum)", ["status"]
)
OUTBOX_OLDEST_AGE = Gauge(
    "clusterbot_outbox_oldest_pending_age_seconds",
    "Age of the oldest message queued and not yet delivered, database-wide (0 when none)",
)
JOB_LAST_SUCCESS = Gauge(
    "clusterbot_job_last_success_timestamp_seconds",
    "When each periodic job last finished, in unix seconds, in any process",
    ["job"],
)
PLATFORM_LAST_SUCCESS = Gauge(
    "clusterbot_platform_last_success_timestamp_seconds",
    "When the platform last accepted our token (getMe, auth.test), in unix seconds",
    ["platform"],
)
BUILD = Info("clusterbot_build", "The running version")
BUILD.info({"version": __version__})


class Responder(Protocol):
    """What `answer` measures: the assistant, named structurally so core does not import handlers."""

    async def respond(self, msg: Incoming) -> list[Reply]: ...


async def answer(assistant: Responder, msg: Incoming) -> list[Reply]:
    """`assistant.respond`, counted and timed per platform."""
    UPDATES_IN.labels(msg.platform).inc()
    started = time.perf_counter()
    replies = await assistant.respond(msg)
    HANDLER_SECONDS.labels(msg.platform).observe(time.perf_counter() - started)
    return replies


class ProcessLabelled(Collector):
    """Every series of `registry` with a `process` label added: the host and the process id."""

    def __init__(self, registry: Collector, process: str | None = None) -> None:
        self.registry = registry
        self.process = process or f"{socket.gethostname()}:{os.getpid()}"

    def collect(self) -> Iterator[Metric]:
        for family in self.registry.collect():
            labelled = Metric(family.name, family.documentation, family.type, family.unit)
            labelled.samples = [
                sample._replace(labels={**sample.labels, "process": self.process})
                for sample in family.samples
            ]
            yield labelled
