"""docs/benchmarks.md from one run's figures: machine, versions, method, targets with ratios and verdicts,
profiles, every sample, and the query plans."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.explain import StatementTimes
from bench.profiling import Profile, more_than, top
from bench.workflow import DemandList

# How the request path reaches its figures, as designed (docs/architecture.md); the profile below shows
# what each request still costs.
DESIGN = [
    "- **One request path, no framework routing.** Every request goes through the same three steps",
    "  (src/talent_training/app.py): `Observed` (request id, access log line, metrics), the `Router` (the",
    "  mount's guard authenticates, the route is found in a dict, or by the regular expression of each path",
    "  with parameters, its permission checked) and the endpoint (parse, open the unit of work, call the",
    "  service, write the view with orjson). Starlette lends only its `Request` and `Response` classes.",
    "- **The key check costs no round trip.** A valid key is remembered by the process and forgotten on",
    "  PostgreSQL's NOTIFY when any `api_keys` row changes (accounts/auth.py); each request still compares",
    "  the SHA-256 of its secret. The raw app checks no key.",
    "- **One statement per request, on the driver.** Statements are SQLAlchemy Core objects built once,",
    "  compiled once per dialect (db/statements.py) and run on asyncpg directly (db/postgres.py), so each is",
    "  one prepared statement per connection. A read runs each statement on its own: no BEGIN/COMMIT. A list",
    "  page without `fields.root` is one statement that reads one row more than the page, to know whether a",
    "  next one exists. A POST is one `INSERT ... SELECT ... RETURNING` that checks its references as it",
    "  writes, then the insert of its audit row (audit/service.py), in one transaction: BEGIN, the two",
    "  inserts, COMMIT, four round trips; the raw app makes the same four. asyncpg's pool resets nothing",
    "  when a connection comes back (a round trip saved per request); the raw app does the same, so that",
    "  the limit stays the limit.",
    "- **count** runs on a join-free base query, and the benchmark data is vacuumed so that PostgreSQL can use",
    "  an index-only scan.",
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


def _of(results: list[Any], target: str, scenario: str, workers: int, clients: int) -> list[Any]:
    return [
        r
        for r in results
        if (r.target, r.scenario, r.workers, r.clients) == (target, scenario, workers, clients)
    ]


def _median(results: list[Any], target: str, scenario: str, workers: int, clients: int) -> Any:
    """The median round (by throughput) of a scenario run in rounds, or None when it did not run."""
    rounds = sorted(_of(results, target, scenario, workers, clients), key=lambda r: r.rps)
    return rounds[len(rounds) // 2] if rounds else None


def _per_round(
    results: list[Any], workers: int, clients: int, a: tuple[str, str], b: tuple[str, str]
) -> list[tuple[Any, Any]]:
    """(a's result, b's result) in each round, as (target, scenario): they ran back to back, so a drift in
    the machine's speed hits both alike and cancels out of their ratio."""
    first = {r.round: r for r in _of(results, *a, workers, clients)}
    second = {r.round: r for r in _of(results, *b, workers, clients)}
    return [(first[n], second[n]) for n in sorted(first) if n in second]


def _middle(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def _workers(w: int) -> str:
    return f"{w} worker{'s' if w > 1 else ''}"


def _ratios(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def write_report(
    path: Path,
    *,
    results: list[Any],
    scenarios: list[Any],
    profiles: list[Profile],
    plans: dict[str, str],
    versions: dict[str, str],
    data: str,
    load_seconds: float,
    duration_s: int,
    latency_s: int,
    connections: int,
    rounds: int,
    workers: Sequence[int],
    deep: float,
    when: datetime,
    workflow: WorkflowSection | None = None,
) -> Path:
    loaded = (
        f"loaded with PostgreSQL COPY in {load_seconds:.0f} s" if load_seconds else "loaded by an earlier run"
    )
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {when:%Y-%m-%d %H:%M} UTC. All figures come from one run on one machine, so",
        "they compare with each other; absolute times are context only. Regenerate with `make bench`",
        "(bench/run.py says which environment variables shorten a run for development).",
        "",
        "## Machine and versions",
        "",
        f"- Machine: {_machine()}",
        "- " + ", ".join(f"{name} {version}" for name, version in sorted(versions.items())),
        f"- Data: {data}; {loaded}, then VACUUM ANALYZE (bench/generate.py)."
        + (
            ""
            if workflow is None
            else f" And an account `workflow` for the training workflow: {workflow.data} ({workflow.loaded()}; below)."
        ),
        "",
        "## How the figures are measured",
        "",
        "- Servers: `talent-training serve --workers N --no-access-log` on PostgreSQL (everything else as",
        "  configured by default: metrics on, as on a loopback interface), and the limit: `uvicorn",
        "  bench.raw_app:app --workers N` (uvloop, httptools, asyncpg, orjson), a bare ASGI app that checks no",
        "  key and runs, for every scenario, **the same SQL text** as talent-training: bench/raw_app.py compiles",
        "  it at start from our own `Query` objects, with our PostgreSQL driver's dialect, and binds its",
        "  parameters in the compiled order; it writes its answers with our own views. **Writes include their",
        "  audit row**: each POST, on both servers, is one transaction (BEGIN, the record's insert, the insert",
        "  of its audit row, COMMIT), the raw app's audit row holding the same values as ours (its JSON written",
        "  with orjson). Before any load, each scenario's answer from both servers is compared (a new record's",
        "  id aside), and so are the audit rows of the two POSTs, and the run stops if they differ. Its pool has",
        "  as many connections as a worker of ours (16) and sends no reset query either. No Idempotency-Key is",
        "  sent (that step runs only when one is), no request fails authentication (rate limiting counts only",
        "  failures), and our key's lastUsedAt is written in the background at most once a minute.",
        "  Prism: `prism mock` of `lucca-training.seeds.yaml` (one Node process), for scale.",
        f"- Load: `wrk -t1 -c{connections} -d{duration_s}s --latency` over loopback; the servers, PostgreSQL and wrk share the",
        f"  machine's cores. GET one picks random ids of the big account; a deep cursor page starts at {deep:.0%} of",
        "  its list (a cursor a client walking the list would hold, read from the list's `next`); every POST",
        "  creates a new record (a new employee's realized training, a new training with a provider and a category).",
        f"- **Ratios**: every scenario with a target runs on talent-training and on the raw app back to back, in {rounds}",
        "  rounds, which of the two goes first alternating. A round's ratio is talent-training's throughput over",
        "  the raw app's; a target is judged on the median of the rounds' ratios, since the speed of this shared",
        "  machine drifts from one sample to the next and a pair of samples drifts together.",
        "- **CPU per request**: the time the server's workers (their main threads, which serve requests) spent",
        "  on a CPU during a sample, over the requests answered (PostgreSQL's time not included;",
        "  /proc/PID/schedstat): how much work the request path is, independently of how busy the machine was.",
        "  *Wait* is their time runnable but waiting for a core, which says how crowded the machine was.",
        f"- Latency targets are judged with 1 client ({latency_s} s samples): with {connections} clients on 2 shared cores",
        "  latency is mostly queueing (both shown).",
        "",
    ]
    if workflow is not None:
        lines += _workflow_section(workflow, deep, connections, rounds, latency_s)
    rows: list[tuple[str, int, str, bool]] = []
    for scenario in scenarios:
        for w in workers:
            pairs = _per_round(
                results, w, connections, ("talent-training", scenario.name), ("raw-asgi", scenario.name)
            )
            if not pairs:
                continue
            ratios = [ours.rps / limit.rps for ours, limit in pairs]
            ratio = _middle(ratios)
            ours_m = _median(results, "talent-training", scenario.name, w, connections)
            raw_m = _median(results, "raw-asgi", scenario.name, w, connections)
            cpu_ours = _middle([ours.cpu_us_per_request for ours, _ in pairs])
            cpu_raw = _middle([limit.cpu_us_per_request for _, limit in pairs])
            errors = sum(r.non_2xx for r in _of(results, "talent-training", scenario.name, w, connections))
            measured = (
                f"**{ratio:.2f} ×** raw ({_ratios(ratios)}); median rounds {ours_m.rps:.0f} vs {raw_m.rps:.0f} req/s;"
                f" CPU {cpu_ours:.0f} vs {cpu_raw:.0f} µs/req"
            )
            prism = _median(results, "prism", scenario.name, 1, connections)
            if prism is not None:
                measured += f"; {ours_m.rps / prism.rps:.1f} × Prism"
            if errors:
                measured += f"; {errors} non-2xx"
            rows.append(
                (
                    f"{scenario.name} ≥ {scenario.target} × raw",
                    w,
                    measured,
                    ratio >= scenario.target and not errors,
                )
            )

    for w in workers:
        alone, busy = (
            _median(results, "talent-training", "realized trainings by ownerIds (page 1)", w, 1),
            _median(results, "talent-training", "realized trainings by ownerIds (page 1)", w, connections),
        )
        if alone is not None and busy is not None:
            rows.append(
                (
                    "list page p50 ≤ 10 ms at 1 M rows (ownerIds filter)",
                    w,
                    f"{alone.p50_ms:.2f} ms with 1 client ({busy.p50_ms:.2f} ms under {connections} clients)",
                    alone.p50_ms <= 10,
                )
            )
    rows += _deep_rows(results, workers, connections, deep, "realized trainings")
    count_name = "count of realized trainings under a date range"
    for w in workers:
        count, busy_count = (
            _median(results, "talent-training", count_name, w, 1),
            _median(results, "talent-training", count_name, w, connections),
        )
        if count is not None and busy_count is not None:
            rows.append(
                (
                    "count under filters ≤ 50 ms",
                    w,
                    f"p50 {count.p50_ms:.2f} ms, p99 {count.p99_ms:.2f} ms with 1 client"
                    f" (p50 {busy_count.p50_ms:.2f} ms under {connections} clients)",
                    count.p50_ms <= 50,
                )
            )
    post = _median(results, "talent-training", "POST realized training", 2, connections)
    if post is not None:
        errors = sum(r.non_2xx for r in results if r.scenario == "POST realized training")
        rows.append(
            (
                "POST realized training ≥ 1,000 per second",
                2,
                f"{post.rps:.0f} per second, median round ({errors} non-2xx in all rounds)",
                post.rps >= 1000 and errors == 0,
            )
        )
    if workflow is not None:
        rows += _workflow_rows(results, workers, connections, deep, workflow)
    for w in workers:
        ours = [r for r in results if r.target == "talent-training" and r.workers == w]
        if not ours:
            continue
        within = max(b - a for r in ours for a, b in zip(r.rss_start_mb, r.rss_end_mb, strict=True))
        # From the end of the first sample (caches warm) to the end of the run, per worker.
        warm, end = ours[0].rss_end_mb, ours[-1].rss_end_mb
        growth = max(b - a for a, b in zip(warm, end, strict=True))
        rows.append(
            (
                "RSS per worker flat across the run",
                w,
                f"{' ; '.join(f'{a:.0f} → {b:.0f} MiB' for a, b in zip(warm, end, strict=True))} from the first"
                f" sample's end to the run's ({growth:+.1f} MiB); largest growth within a sample {within:+.1f} MiB",
                growth < 10 and within < 10,
            )
        )

    lines += [
        "## Targets",
        "",
        "Ratios: talent-training's throughput over the raw app's, median of the rounds' ratios (each round's in",
        "brackets); then the median rounds' requests per second and the CPU time per request of each.",
        "",
        "| target | workers | measured | verdict |",
        "|---|---:|---|---|",
    ]
    lines += [f"| {name} | {w} | {measured} | {_verdict(ok)} |" for name, w, measured, ok in rows]
    missed = [f"{name} ({_workers(w)})" for name, w, _measured, ok in rows if not ok]
    lines += ["", f"{len(rows) - len(missed)} of {len(rows)} targets met."]
    lines += ["", "## How these figures were reached", ""]
    lines += DESIGN
    lines += _profiles(profiles)
    lines += _metrics_cost(results, connections)
    if missed:
        lines += ["", "## What stands in the way of the missed targets", ""]
        lines += [f"Missed in this run: {'; '.join(missed)}.", ""]
        if any(not ok and "× raw" in name for name, _w, _measured, ok in rows):
            lines += _obstacles(results, scenarios, profiles, workers, connections)
        if workflow is not None:
            lines += _workflow_obstacles(results, rows, workflow)
    lines += [
        "",
        "## Every sample",
        "",
        "| server | scenario | workers | clients | round | req/s | p50 ms | p99 ms | non-2xx | CPU µs/req | wait µs/req | RSS per worker, start → end (peak), MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        rss = "; ".join(
            f"{a:.0f} → {b:.0f} ({c:.0f})"
            for a, b, c in zip(r.rss_start_mb, r.rss_end_mb, r.rss_peak_mb, strict=True)
        )
        lines.append(
            f"| {r.target} | {r.scenario} | {r.workers} | {r.clients} | {r.round} | {r.rps:.0f} | {r.p50_ms:.2f}"
            f" | {r.p99_ms:.2f} | {r.non_2xx} | {r.cpu_us_per_request:.0f} | {r.wait_us_per_request:.0f} | {rss} |"
        )
    lines += ["", "## Query plans (EXPLAIN ANALYZE, BUFFERS) of the list queries", ""]
    lines += [
        "The statements the app runs for each list scenario, with the values it binds (limit is the page's 20",
        "plus one), run once to warm up and then under EXPLAIN.",
        "",
    ]
    for name, plan in plans.items():
        lines += [f"### {name}", "", "```", plan, "```", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    return path


def _deep_rows(
    results: list[Any], workers: Sequence[int], connections: int, deep: float, label: str
) -> list[tuple[str, int, str, bool]]:
    """The deep cursor page's target: its one-client p50 over the first page's, round by round (they ran
    back to back, alternating), judged on the median ratio; under load too when measured."""
    first_name, deep_name = f"{label}: first page", f"{label}: deep cursor page"
    rows = []
    for w in workers:
        pairs = _per_round(results, w, 1, ("talent-training", deep_name), ("talent-training", first_name))
        if not pairs:
            continue
        ratios = [deeper.p50_ms / page.p50_ms for deeper, page in pairs]
        ratio = _middle(ratios)
        first = _median(results, "talent-training", first_name, w, 1)
        deeper = _median(results, "talent-training", deep_name, w, 1)
        busy_first = _median(results, "talent-training", first_name, w, connections)
        busy_deep = _median(results, "talent-training", deep_name, w, connections)
        busy = busy_deep.p50_ms / busy_first.p50_ms if busy_first and busy_deep else None
        rows.append(
            (
                f"deep cursor page (>{deep:.0%}) ≤ 1.3 × first page, {label}",
                w,
                f"{ratio:.2f} × p50 with 1 client ({_ratios(ratios)}; median rounds {deeper.p50_ms:.2f} vs"
                f" {first.p50_ms:.2f} ms)" + (f"; {busy:.2f} × under {connections} clients" if busy else ""),
                ratio <= 1.3 and (busy is None or busy <= 1.3),
            )
        )
    return rows


@dataclass(frozen=True)
class WorkflowSection:
    """What the report says of the training-workflow scenarios (bench/workflow.py)."""

    data: str  # what the account holds (bench/workflow_data.py)
    load_seconds: float  # 0 when an earlier run loaded it
    spread: str  # its demands' states and priorities, in words
    lists: Sequence[DemandList]
    breakdown: Sequence[tuple[DemandList, float, float]]  # (list, first page p50, deep page p50), ms
    breakdown_workers: int
    sheets: int  # attendance sessions confirmed per worker count
    sheet_size: int
    attended: float  # the share of a sheet's items with hasAttended true
    statements: Sequence[StatementTimes]  # the list's statement, as PostgreSQL spends its time on it

    def loaded(self) -> str:
        if self.load_seconds:
            return (
                f"loaded with COPY in {self.load_seconds:.0f} s, then VACUUM ANALYZE, bench/workflow_data.py"
            )
        return "loaded by an earlier run, bench/workflow_data.py"


LISTS_LABEL = "training demands by department"
MANY_DROPPED = 10_000  # rows a page's scan read and dropped: worth a word when a missed target is explained
ATTENDANCE = "training demands: attendance of a 500-person session"


def _workflow_section(
    workflow: WorkflowSection, deep: float, connections: int, rounds: int, latency_s: int
) -> list[str]:
    lines = [
        "## The training workflow at scale (issue 10)",
        "",
        f"An account of its own, `workflow` (the account of the scenarios above is untouched): {workflow.data}."
        f" {workflow.spread} Every",
        "demand is consistent with the contract: a registered or realized one is on a session of its training",
        "and in that session's plan (one per employee and session), each session's counters count the rows",
        "they stand for, each realized demand has its realized training, only ended sessions whose",
        "registrations are all confirmed are Closed, and each demand carries its owner's department and",
        "establishment. talent-training alone (no raw comparator: these targets are absolute), 1 client for",
        f"the targets, {connections} for context.",
        "",
    ]
    if workflow.lists:
        lines += [
            "- **A manager's list**: `GET /talent-training/api/v2/training-demands?departmentIds=…&states=Requested,"
            "Registered&sort=-prioritization.level`,",
            f"  first page (20, the default) and a deep cursor page (past {deep:.0%} of that filtered list: the `next` of",
            f"  page k, read once). {len(workflow.lists)} lists: five single departments and three pairs, chosen by size from the",
            "  largest department to the smallest; each request of a sample takes the next list (bench/wrk/paths.lua).",
            f"  With 1 client the two pages run in {rounds} rounds of {latency_s} s, alternating which goes first; the deep",
            "  page's target is the median of the rounds' ratios, as for realized trainings.",
        ]
    if workflow.sheets:
        lines += [
            f"- **Attendance**: {workflow.sheets} sessions that ended last week, `Open`, with {workflow.sheet_size} registered",
            f"  demands each (all different owners); one sheet per session, its {workflow.sheet_size} items in no particular",
            f"  order, about {workflow.attended:.0%} attended, posted one after the other (`POST /talent-training/api/v1/sessions/",
            "  {id}/attendance`), each timed by the client from request to answer (on a connection already open).",
            "  Before each worker count the sessions are put back as loaded (the demands registered again, the",
            "  records and their audit rows deleted), so that each confirms the same sheets; the target is judged",
            "  on the slowest call.",
        ]
    if workflow.breakdown:
        lines += [
            "",
            f"The lists, and each one's pages alone ({_workers(workflow.breakdown_workers)}, 1 client, the median of 20",
            "sequential requests from httpx, whose own time per request is included: slightly above wrk's):",
            "",
            "| departments | employees | demands in the list | deep page after row | first page p50 ms | deep page p50 ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for listed, first, deeper in workflow.breakdown:
            lines.append(
                f"| {', '.join(map(str, listed.departments))} | {listed.employees:,} | {listed.rows:,} |"
                f" {listed.deep_row:,} | {first:.2f} | {deeper:.2f} |"
            )
    if workflow.statements:
        executions = workflow.statements[0].custom_plans + workflow.statements[0].generic_plans
        lines += [
            "",
            "PostgreSQL's time for the list's statement, for the smallest and the largest list (their plans are",
            "at the end): EXPLAIN ANALYZE's planning and execution times, and the statement as the app runs it,",
            f"prepared once on a connection and executed {executions} times (median, round trip included), with how many of",
            "those executions PostgreSQL planned anew (custom plans) or ran on its cached generic plan:",
            "",
            "| statement | planning ms | execution ms | prepared statement, per execution, ms | custom / generic plans | training_demands read with | rows it dropped (filter) |",
            "|---|---:|---:|---:|---|---|---:|",
        ]
        lines += [
            f"| {t.name.removeprefix(LISTS_LABEL + ', ')} | {t.planning_ms:.2f} | {t.execution_ms:.2f} |"
            f" {t.prepared_ms:.2f} | {t.custom_plans} / {t.generic_plans} | `{t.index}` | {t.dropped:,} |"
            for t in workflow.statements
        ]
    return [*lines, ""]


def _workflow_obstacles(
    results: list[Any], rows: list[tuple[str, int, str, bool]], workflow: WorkflowSection
) -> list[str]:
    """What the figures say about a missed target of the training workflow: the worker's CPU time against
    the request's, and PostgreSQL's planning and execution of the statement."""
    lines: list[str] = []
    first_name = f"{LISTS_LABEL}: first page"
    explained: set[str] = set()
    for name, w, _measured, ok in rows:
        if ok:
            continue
        if name.startswith(LISTS_LABEL) or name.endswith(LISTS_LABEL):
            scenario = first_name if name.startswith(LISTS_LABEL) else f"{LISTS_LABEL}: deep cursor page"
            alone = _median(results, "talent-training", scenario, w, 1)
            if alone is None:
                continue
            lines.append(
                f"- **{scenario}** ({_workers(w)}): {alone.p50_ms:.2f} ms per request with one client, of which"
                f" the worker spent {alone.cpu_us_per_request / 1000:.2f} ms on a CPU (median round): the rest is"
                " PostgreSQL's and the round trips."
            )
            page = scenario.removeprefix(LISTS_LABEL + ": ")
            shown = [t for t in workflow.statements if t.name.endswith(page)]
            if not shown or page in explained:
                continue
            explained.add(page)
            line = f"- The {page}'s statement (table above): " + "; ".join(
                f"{t.name.split(' (')[0].removeprefix(LISTS_LABEL + ', ')}, planning {t.planning_ms:.1f} ms"
                f" and execution {t.execution_ms:.1f} ms"
                + (f" (reading `{t.index}`, {t.dropped:,} rows dropped by its filter)" if t.dropped else "")
                for t in shown
            )
            line += "."
            if all(t.generic_plans == 0 for t in shown):
                line += (
                    " Prepared, it was planned anew at every execution (custom plans only): PostgreSQL found"
                    " its generic plan costlier, so each request pays the planning."
                )
            lines.append(line)
        elif name.startswith("attendance"):
            calls = _of(results, "talent-training", ATTENDANCE, w, 1)
            slowest = max(calls, key=lambda r: r.p50_ms)
            lines.append(
                f"- **{ATTENDANCE}** ({_workers(w)}): the slowest call took {slowest.p50_ms:.0f} ms, of which the"
                f" workers spent {slowest.cpu_us_per_request / 1000:.0f} ms on a CPU: the rest is PostgreSQL's"
                " (the statements of training_demands/repository.py, `record_attendance`)."
            )
    if lines:
        for t in workflow.statements:
            if t.index == "ix_training_demands_rank" and t.dropped >= MANY_DROPPED:
                lines.append(
                    f"- The {t.name.removeprefix(LISTS_LABEL + ', the ')}: PostgreSQL reads `ix_training_demands_rank`"
                    f" (the whole account in priority order) and drops {t.dropped:,} rows of other departments'"
                    f" demands to return {t.returned}; it expected the scan to return {t.estimated:,}."
                )
    if lines:
        lines = ["Of the training workflow (talent-training alone):", "", *lines]
    return lines


def _workflow_rows(
    results: list[Any], workers: Sequence[int], connections: int, deep: float, workflow: WorkflowSection
) -> list[tuple[str, int, str, bool]]:
    rows = []
    first_name = f"{LISTS_LABEL}: first page"
    for w in workers:
        alone = _median(results, "talent-training", first_name, w, 1)
        busy = _median(results, "talent-training", first_name, w, connections)
        if alone is None:
            continue
        errors = sum(r.non_2xx for r in results if r.scenario.startswith(LISTS_LABEL) and r.workers == w)
        rows.append(
            (
                "training demands by department (Requested, Registered, -prioritization.level): first page p50 ≤ 10 ms",
                w,
                f"{alone.p50_ms:.2f} ms with 1 client, median round"
                + (f" ({busy.p50_ms:.2f} ms under {connections} clients)" if busy else "")
                + (f"; {errors} non-2xx" if errors else ""),
                alone.p50_ms <= 10 and not errors,
            )
        )
    rows += _deep_rows(results, workers, connections, deep, LISTS_LABEL)
    for w in workers:
        calls = _of(results, "talent-training", ATTENDANCE, w, 1)
        if not calls:
            continue
        times = sorted(r.p50_ms for r in calls)
        failed = sum(r.non_2xx for r in calls)
        cpu = _middle([r.cpu_us_per_request / 1000 for r in calls])
        rows.append(
            (
                f"attendance of a {workflow.sheet_size}-person session ≤ 1 s per call",
                w,
                f"median {_middle(times):.0f} ms, slowest {times[-1]:.0f} ms over {len(calls)} sessions"
                f" ({', '.join(f'{t:.0f}' for t in (r.p50_ms for r in calls))} ms); the workers' CPU {cpu:.0f} ms"
                " per call (median)" + (f"; {failed} failed" if failed else ""),
                times[-1] <= 1000 and not failed,
            )
        )
    return rows


def _cell(profile: Profile, count: int) -> str:
    share = profile.share(count)
    return f"{100 * share:.1f} % · {profile.microseconds(count):.0f} µs" if count else "-"


def _profiles(profiles: list[Profile]) -> list[str]:
    if not profiles:
        return []
    clients = profiles[0].clients
    lines = [
        "",
        "## Profile: where a worker's time goes",
        "",
        "py-spy samples of the one worker of `talent-training serve --workers 1`, then of the raw app's, under",
        f"wrk's {clients} clients (`py-spy record --format raw --nonblocking`, idle time left out; bench/profiling.py), with the",
        "worker's time on a CPU and waiting for one per request measured alongside (schedstat). py-spy samples",
        "a worker that runs or waits for a core alike, so a cell is the share of samples, then that share of",
        "the request's time on a CPU plus waiting for one. A worker that wakes another process by writing to a",
        "socket often waits for a core right there: the lines that write to sockets carry most of the waiting.",
        "py-spy sees Python frames only: time in C or Cython code counts as self time of the Python function",
        "that called it (`Runner.run` is uvloop's loop and what it calls in C, `Connection._do_execute`",
        "asyncpg's protocol sending the statement and decoding its rows, `RequestResponseCycle.send` the",
        "socket writes of the answer). Frames that make system calls (socket writes, `os.getpid` in",
        "prometheus_client's multiprocess values, `os.urandom` in `uuid4`) were found unstable here: between",
        "runs, and between py-spy's blocking and non-blocking modes, such a frame moved by up to 20 points.",
        "Shares say where to look; the CPU time per request, and a setting switched off (below), what a",
        "change saves.",
    ]
    scenarios = list(dict.fromkeys(p.scenario for p in profiles))
    for scenario in scenarios:
        pair = [p for p in profiles if p.scenario == scenario]
        ours = next(p for p in pair if p.target == "talent-training")
        lines += ["", f"### {scenario}: `{ours.url}`", ""]
        if any(p.error for p in pair):
            lines += [f"Not profiled: {next(p.error for p in pair if p.error)}"]
            continue
        lines += [
            "; ".join(
                f"{p.target}: {p.rps:.0f} req/s, per request {p.cpu_us_per_request:.0f} µs on a CPU and"
                f" {p.wait_us_per_request:.0f} µs waiting for one, {p.samples} samples"
                for p in pair
            )
            + ".",
            "",
            "| self time by package | " + " | ".join(p.target for p in pair) + " |",
            "|---|" + "---:|" * len(pair),
        ]
        names = sorted(
            {n for p in pair for n in p.packages},
            key=lambda n: -max(p.share(p.packages.get(n, 0)) for p in pair),
        )
        for name in names[:16]:
            lines.append(f"| {name} | " + " | ".join(_cell(p, p.packages.get(name, 0)) for p in pair) + " |")
        for p in pair:
            lines += ["", f"| top functions by self time, {p.target} | share · µs |", "|---|---:|"]
            lines += [f"| `{name}` | {_cell(p, count)} |" for name, count in top(p.functions)]
        lines += ["", "| our functions by inclusive time | share · µs |", "|---|---:|"]
        lines += [f"| `{name}` | {_cell(ours, count)} |" for name, count in top(ours.ours_inclusive)]
    return lines


def _metrics_cost(results: list[Any], connections: int) -> list[str]:
    """The diagnostic of run.py's `_without_metrics`: the same server with and without its metrics."""
    on, off = "talent-training (metrics on)", "talent-training (metrics off)"
    scenario = next((r.scenario for r in results if r.target == off), None)
    if scenario is None:
        return []
    pairs = _per_round(results, 1, connections, (on, scenario), (off, scenario))
    ratios = [a.rps / b.rps for a, b in pairs]
    cpu_on = _middle([a.cpu_us_per_request for a, _ in pairs])
    cpu_off = _middle([b.cpu_us_per_request for _, b in pairs])
    return [
        "",
        "### What the metrics cost",
        "",
        f"{scenario}, one worker, {connections} clients, the server as measured above and the same with",
        f"`TALENT_TRAINING_METRICS=off`, in {len(pairs)} alternating rounds: {cpu_on:.0f} against {cpu_off:.0f} µs on a CPU per",
        f"request (median rounds), {_middle(ratios):.2f} × the throughput with them ({_ratios(ratios)}). Settings are all",
        "a benchmark can change of the request path; this measures one of its parts directly, where the",
        "profile above only estimates.",
    ]


def _obstacles(
    results: list[Any],
    scenarios: list[Any],
    profiles: list[Profile],
    workers: Sequence[int],
    connections: int,
) -> list[str]:
    """What the figures say about each missed ratio: the CPU a request of ours costs over the raw app's, and
    where the profiles put the difference."""
    lines = [
        "Under these loads a worker of ours is busy all the time (one worker takes a core; two share the",
        "machine's two cores with PostgreSQL and wrk), so its throughput follows the CPU time a request costs",
        "it. Both servers send the same statement and write the same answer: what a request of ours costs",
        "beyond the raw app's is the request path around them. The missed targets, with the time on a CPU",
        "per request of each (median of the rounds):",
        "",
    ]
    for scenario in scenarios:
        for w in workers:
            pairs = _per_round(
                results, w, connections, ("talent-training", scenario.name), ("raw-asgi", scenario.name)
            )
            if not pairs or _middle([o.rps / r.rps for o, r in pairs]) >= scenario.target:
                continue
            ours = _middle([o.cpu_us_per_request for o, _ in pairs])
            raw = _middle([r.cpu_us_per_request for _, r in pairs])
            lines.append(
                f"- **{scenario.name}** ({_workers(w)}): {ours:.0f} µs against the raw app's {raw:.0f} µs"
                f" (+{ours - raw:.0f} µs, {raw / ours:.2f} × the work)."
            )
    named = {p.scenario for p in profiles if not p.error}
    if named:
        lines += [
            "",
            f"Where the difference goes, by the profiles above (one worker, {profiles[0].clients} clients): what costs",
            "talent-training more µs per request than the raw app (runnable time included, see the profile's",
            "notes), by package and by function.",
        ]
    for scenario in dict.fromkeys(p.scenario for p in profiles if p.scenario in named):
        ours_p = next(p for p in profiles if p.scenario == scenario and p.target == "talent-training")
        raw_p = next(p for p in profiles if p.scenario == scenario and p.target != "talent-training")
        packages = ", ".join(f"{name} +{us:.0f}" for name, us in more_than(ours_p, raw_p, "packages", 10))
        functions = ", ".join(f"`{name}` +{us:.1f}" for name, us in more_than(ours_p, raw_p, "functions", 12))
        lines += [
            "",
            f"- **{scenario}**: {ours_p.cpu_us_per_request:.0f} against {raw_p.cpu_us_per_request:.0f} µs on a CPU"
            f" per request. By package: {packages}. By function: {functions}.",
        ]
    return lines
