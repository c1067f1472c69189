"""Prometheus metrics, in `prometheus_client`'s standard text format, served at `/metrics`.

With several workers, each process writes its figures to files in `PROMETHEUS_MULTIPROC_DIR` (set by
`talent-training serve` before the workers start) and a scrape, whichever worker answers it, adds them up.
"""

from __future__ import annotations

import os

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
# A client may send any method; only these are labels of their own, so the series stay few.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


# `*_created` series (one timestamp per series) say nothing a scrape needs and double the output.
disable_created_metrics()  # type: ignore[no-untyped-call]


class Metrics:
    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_DIR))
        # One registry per application (tests make many); none in multiprocess mode, where files are read.
        registry = None if self.multiprocess else CollectorRegistry()
        self.registry = registry
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
            "Database connections held by requests",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.connection_waiters = Gauge(
            "talent_training_db_connection_waiters",
            "Requests waiting for a database connection",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in _METHODS else "OTHER"
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.requests.labels(method, route, str(status)),
                self.duration.labels(method, route),
            )
        series[0].inc()
        series[1].observe(seconds)

    def pool(self, in_use: int, waiting: int) -> None:
        self.connections_in_use.set(in_use)
        self.connection_waiters.set(waiting)

    def render(self) -> bytes:
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        assert self.registry is not None
        return generate_latest(self.registry)
