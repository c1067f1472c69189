"""Prometheus metrics, in `prometheus_client`'s standard text format, served at `/metrics`.

A request only adds to plain counts in memory; they go into prometheus_client once a second, and at each
scrape (so the answering worker's figures are exact, and every other worker's at most a second old). Writing
a prometheus_client value on every request costs more than the rest of a GET by id put together when
several workers share their figures (a locked file write with a `getpid` each: docs/benchmarks.md). The
database gauges are sampled at the same moments, not written at every connection taken and given back.

With several workers, each process writes its figures to files in `PROMETHEUS_MULTIPROC_DIR` (set by
`talent-training serve` before anything imports prometheus_client) and a scrape, whichever worker answers
it, adds them up.
"""

from __future__ import annotations

import asyncio
import os
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FLUSH_EVERY_S = 1.0
# A client may send any method; only these are labels of their own, so the series stay few.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# `*_created` series (one timestamp per series) say nothing a scrape needs and double the output.
disable_created_metrics()  # type: ignore[no-untyped-call]


class _Latencies:
    """Observations of one series not yet handed over: how many fell in each bucket, and their sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(_BUCKETS) + 1)  # the last: above every bound (+Inf)
        self.total = 0.0


class Metrics:
    def __init__(self, connections: Callable[[], tuple[int, int]] | None = None) -> None:
        """`connections()`: (database connections in use, requests waiting for one), sampled."""
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_DIR))
        # One registry per application (tests make many); none in multiprocess mode, where files are read.
        registry = None if self.multiprocess else CollectorRegistry()
        self.registry = registry
        self.connections = connections
        self.requests = Counter(
            "talent_training_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "talent_training_http_request_duration_seconds",
            "Time from a request's arrival to its answer, by method and route template",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self.connections_in_use = Gauge(
            "talent_training_db_connections_in_use",
            "Database connections held by requests (sampled every second and at each scrape)",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.connection_waiters = Gauge(
            "talent_training_db_connection_waiters",
            "Requests waiting for a database connection (sampled every second and at each scrape)",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._counts: dict[tuple[str, str, int], int] = {}
        self._latencies: dict[tuple[str, str], _Latencies] = {}
        self._timer: asyncio.TimerHandle | None = None

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in _METHODS else "OTHER"
        key = (method, route, status)
        self._counts[key] = self._counts.get(key, 0) + 1
        latencies = self._latencies.get((method, route))
        if latencies is None:
            latencies = self._latencies[method, route] = _Latencies()
        latencies.counts[bisect_left(_BUCKETS, seconds)] += 1
        latencies.total += seconds
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_EVERY_S, self._flush_on_time)

    def _flush_on_time(self) -> None:
        self._timer = None
        self.flush()

    def flush(self) -> None:
        """Hand the counts gathered since the last time over to prometheus_client."""
        counts, self._counts = self._counts, {}
        latencies, self._latencies = self._latencies, {}
        for (method, route, status), count in counts.items():
            self.requests.labels(method, route, str(status)).inc(count)
        for (method, route), observed in latencies.items():
            _observe_many(self.duration.labels(method, route), observed)
        if self.connections is not None:
            in_use, waiting = self.connections()
            self.connections_in_use.set(in_use)
            self.connection_waiters.set(waiting)

    def render(self) -> bytes:
        self.flush()
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        assert self.registry is not None
        return generate_latest(self.registry)


def _observe_many(series: Any, observed: _Latencies) -> None:
    """Many observations in one write per bucket. prometheus_client observes one at a time only; its
    histograms keep a value per bucket and one for the sum (`_buckets`, `_sum`), which is what `observe`
    adds to. tests/web/test_request_path.py checks the counts that come out."""
    series._sum.inc(observed.total)
    for bucket, count in zip(series._buckets, observed.counts, strict=True):
        if count:
            bucket.inc(count)
