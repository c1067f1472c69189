"""docs/benchmarks.md from one run's figures: machine, versions, commands, figures, targets and ratios."""

from __future__ import annotations

import os
import platform
from datetime import datetime
from pathlib import Path
from typing import Any

# Read off py-spy profiles of a worker under wrk load (`py-spy record -p PID -d 8 -f raw`), see the note on
# issue 4; kept here so that every report that misses a target says why.
OBSTACLES = [
    "- **The database is not the bottleneck.** Every list query runs in 0.2 to 1 ms and the count in about",
    "  10 ms at 1 M rows (plans below); the raw ASGI app reaches ~8,000 req/s on the same select. What costs is",
    "  Python work per request, and with 2 cores shared by the server, PostgreSQL and wrk, a second worker",
    "  adds far less than a second core's worth.",
    "- **GET by id** is answered by a shortcut in front of the framework (`realized_trainings/fast_path.py`):",
    "  one query checks the key and reads the record, the full application's serialiser writes the answer,",
    "  and anything but a plain success goes to the full application. That took it from ~0.15 × to the ratio",
    "  above. What remains over the raw app, by the profile (`py-spy record -p PID -f raw` under wrk):",
    "  the connection checkout and SQLAlchemy's asyncio adaptation, the key check (SHA-256, constant-time",
    "  compare, a wider row) and FastAPI's own entry (telemetry hooks) before the shortcut. Running the query",
    "  on asyncpg directly was tried and measured no faster (3,392 vs 3,412 req/s), so it was not kept; with 2",
    "  workers the machine's 2 cores are shared with PostgreSQL and wrk, which caps the raw app too.",
    "- **POST** is bound by durable commits, not by CPU: under the POST load the two workers used about 66 %",
    "  and 33 % of a core while PostgreSQL waited on `fdatasync` for each COMMIT (`synchronous_commit=on`, as it",
    "  should be). Throughput therefore hovers around 1,000/s with 16 clients on this disk (885 to 1,023 across",
    "  runs); more concurrent clients batch more commits. Each POST makes a key check, then BEGIN, the training",
    "  lookup, INSERT … RETURNING and COMMIT; folding the key check into the transaction would trim one round",
    "  trip, not the flush.",
]


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GiB RAM, {platform.system()} {platform.release()}"


def _find(results: list[Any], target: str, scenario: str, workers: int, clients: int | None = None) -> Any:
    return next(
        r
        for r in results
        if (r.target, r.scenario, r.workers) == (target, scenario, workers)
        and (clients is None or r.clients == clients)
    )


def _median(results: list[Any], target: str, scenario: str, workers: int) -> Any:
    """The median round (by throughput) of a scenario run in rounds."""
    rounds = sorted(
        (r for r in results if (r.target, r.scenario, r.workers) == (target, scenario, workers)),
        key=lambda r: r.rps,
    )
    return rounds[len(rounds) // 2]


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def write_report(
    path: Path,
    *,
    results: list[Any],
    plans: dict[str, str],
    versions: dict[str, str],
    load_seconds: float,
    duration_s: int,
    connections: int,
    rounds: int,
    when: datetime,
) -> Path:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {when:%Y-%m-%d %H:%M} UTC. All figures come from one run on one machine, so",
        "they compare with each other; absolute times are context only. Regenerate with `make bench`.",
        "",
        "## Machine and versions",
        "",
        f"- Machine: {_machine()}",
        "- " + ", ".join(f"{name} {version}" for name, version in sorted(versions.items())),
        "- Data: one account with 1,000,000 realized trainings (50,000 owners, 2,000 trainings, 10 years of dates) and 9",
        f"  small accounts, loaded with PostgreSQL COPY in {load_seconds:.0f} s, then VACUUM ANALYZE.",
        f"- Load: `wrk -t1 -c{connections} -d{duration_s}s --latency` from a second process over loopback; the server, PostgreSQL",
        "  and wrk share the machine's cores. Servers run without access logs (`--no-access-log`), as does the raw app.",
        "- Servers: `talent-training serve --workers N` on PostgreSQL; the raw ASGI limit `uvicorn bench.raw_app:app",
        "  --workers N` (asyncpg, the same primary-key select and JSON, no auth or framework); Prism",
        "  `prism mock` of `lucca-training.seeds.yaml` (one Node process).",
        f"- Throughput is measured with {connections} clients. Latency targets are judged with 1 client: with",
        f"  {connections} clients on 2 cores shared by server, PostgreSQL and wrk, latency is mostly queueing (both shown).",
        f"- GET by id (talent-training and the raw app in alternation) and POST run in {rounds} rounds; their targets",
        "  take each one's median round, as the machine's speed drifts from one 8-second sample to the next.",
        "",
        "## Figures",
        "",
        "| server | scenario | workers | clients | round | req/s | p50 ms | p99 ms | non-2xx | RSS per worker, start → end (peak), MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        rss = "; ".join(
            f"{a:.0f} → {b:.0f} ({c:.0f})"
            for a, b, c in zip(r.rss_start_mb, r.rss_end_mb, r.rss_peak_mb, strict=True)
        )
        lines.append(
            f"| {r.target} | {r.scenario} | {r.workers} | {r.clients} | {r.round} | {r.rps:.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f}"
            f" | {r.non_2xx} | {rss} |"
        )

    def loaded(scenario: str, w: int) -> Any:
        return _find(results, "talent-training", scenario, w, connections)

    def alone(scenario: str, w: int) -> Any:
        return _find(results, "talent-training", scenario, w, 1)

    by_id = {w: _median(results, "talent-training", "GET by id", w) for w in (1, 2)}
    raw = {w: _median(results, "raw-asgi", "GET by id", w) for w in (1, 2)}
    prism = _find(results, "prism", "GET by id", 1)
    rows = []
    for w in (1, 2):
        ratio = by_id[w].rps / raw[w].rps
        rows.append(
            (
                f"GET by id ≥ 0.6 × raw ASGI ({w} worker{'s' if w > 1 else ''})",
                f"{ratio:.2f} × raw ({by_id[w].rps:.0f} vs {raw[w].rps:.0f} req/s, median rounds);"
                f" {by_id[w].rps / prism.rps:.2f} × Prism",
                ratio >= 0.6,
            )
        )
    for w in (1, 2):
        page, busy = alone("list by ownerIds (page 1)", w), loaded("list by ownerIds (page 1)", w)
        rows.append(
            (
                f"list page p50 ≤ 10 ms at 1 M rows ({w} worker{'s' if w > 1 else ''})",
                f"{page.p50_ms:.2f} ms with 1 client ({busy.p50_ms:.2f} ms under {connections} clients)",
                page.p50_ms <= 10,
            )
        )
    for w in (1, 2):
        first, deep = alone("list first page", w), alone("list deep cursor (>900k)", w)
        busy_ratio = loaded("list deep cursor (>900k)", w).p50_ms / loaded("list first page", w).p50_ms
        ratio = deep.p50_ms / first.p50_ms
        rows.append(
            (
                f"deep cursor page ≤ 1.3 × first page ({w} worker{'s' if w > 1 else ''})",
                f"{ratio:.2f} × (p50 {deep.p50_ms:.2f} vs {first.p50_ms:.2f} ms, 1 client);"
                f" {busy_ratio:.2f} × under {connections} clients",
                ratio <= 1.3 and busy_ratio <= 1.3,
            )
        )
    for w in (1, 2):
        count, busy = alone("count under date range", w), loaded("count under date range", w)
        rows.append(
            (
                f"count under filters ≤ 50 ms ({w} worker{'s' if w > 1 else ''})",
                f"p50 {count.p50_ms:.2f} ms, p99 {count.p99_ms:.2f} ms with 1 client"
                f" (p50 {busy.p50_ms:.2f} ms under {connections} clients)",
                count.p50_ms <= 50,
            )
        )
    post = _median(results, "talent-training", "POST realized training", 2)
    rows.append(
        (
            "POST ≥ 1,000 per second (2 workers)",
            f"{post.rps:.0f} per second, median round ({post.non_2xx} non-2xx)",
            post.rps >= 1000 and post.non_2xx == 0,
        )
    )
    growth = max(
        (b - a)
        for r in results
        if r.target == "talent-training"
        for a, b in zip(r.rss_start_mb, r.rss_end_mb, strict=True)
    )
    rows.append(
        (
            "RSS per worker flat across the run",
            f"largest growth within a scenario: {growth:+.1f} MiB",
            growth < 10,
        )
    )

    lines += ["", "## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {name} | {measured} | {_verdict(ok)} |" for name, measured, ok in rows]
    missed = [name for name, _measured, ok in rows if not ok]
    if missed:
        lines += ["", "## What stands in the way of the missed targets", ""]
        lines += [f"Missed in this run: {', '.join(missed)}.", ""]
        lines += OBSTACLES
    lines += ["", "## Query plans (EXPLAIN ANALYZE, BUFFERS) of the list queries", ""]
    for name, plan in plans.items():
        lines += [f"### {name}", "", "```", plan, "```", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
