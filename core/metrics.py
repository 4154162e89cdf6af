"""Prometheus metrics, and the one call adapters use to answer a message while being measured."""

from __future__ import annotations

import time
from typing import Protocol

from prometheus_client import Counter, Gauge, Histogram

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
OUTBOX_DEPTH = Gauge("clusterbot_outbox_depth", "Outbox messages not yet sent, by status", ["status"])


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
