"""The training-workflow scenarios of issue 10 ("Scale"), on the `workflow` account (bench/workflow_data.py):

- Lucca's list of training demands as a manager reads it: `departmentIds` (one or two departments),
  `states=Requested,Registered`, `sort=-prioritization.level`, first page (20) and a deep cursor page (past
  90 % of that filtered list, the cursor a client walking the list would hold, read from the list's `next`);
- the attendance sheet of a 500-person session: `POST /v1/sessions/{id}/attendance` with 500 items.

bench/run.py measures them on `talent-training serve`; this module chooses the lists, reads their cursors
and times the attendance calls."""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import asyncpg
import httpx

from bench.workflow_data import ATTENDANCE_SIZE, Workflow

API = "/talent-training/api"
DEMANDS = API + "/v2/training-demands"
STATES = "Requested,Registered"
SORT = "-prioritization.level"
PAGE = 20
RANKS = {None: 0, "Low": 1, "Medium": 2, "High": 3}  # training_demands/schemas.py
# Departments by their rank in size (0 the largest of 200): five alone, three pairs, from the largest to the
# smallest, so that the lists' sizes span the account's.
SINGLE_RANKS = (0, 50, 100, 150, 199)
PAIR_RANKS = ((25, 75), (125, 175), (1, 198))
ATTENDED = 0.9  # the share of a sheet's items with hasAttended true


@dataclass(frozen=True)
class DemandList:
    """One manager's list: its departments, its size, and the paths of its first and deep pages."""

    departments: tuple[int, ...]
    employees: int  # in those departments
    rows: int  # demands matching the filters
    first: str
    deep: str
    deep_row: int  # how many rows precede the deep page
    deep_position: tuple[int, int]  # the deep cursor's (id, prioritization rank): where the page starts

    @property
    def label(self) -> str:
        return (
            "department"
            + ("s " if len(self.departments) > 1 else " ")
            + " and ".join(map(str, self.departments))
        )


def department_sets(workflow: Workflow) -> list[tuple[int, ...]]:
    by_size = [department for department, _ in workflow.departments_by_size]
    last = len(by_size) - 1
    sets: list[tuple[int, ...]] = [(by_size[min(rank, last)],) for rank in SINGLE_RANKS]
    sets += [(by_size[min(a, last)], by_size[min(b, last)]) for a, b in PAIR_RANKS]
    return sets


def _path(departments: tuple[int, ...], **more: str) -> str:
    query = {"departmentIds": ",".join(map(str, departments)), "states": STATES, "sort": SORT, **more}
    return DEMANDS + "?" + urlencode(query, safe=",")


def demand_lists(base: str, headers: dict[str, str], workflow: Workflow, deep: float) -> list[DemandList]:
    """Each list's size (`fields.root=count`), and a cursor past `deep` of it: page k of 20 read by index,
    its `next` (an OFFSET scan, once per list)."""
    found = []
    sizes = dict(workflow.departments_by_size)
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        for departments in department_sets(workflow):
            counted = client.get(_path(departments, **{"fields.root": "count", "limit": "0"}))
            counted.raise_for_status()
            rows: int = counted.json()["count"]
            index = int(rows * deep) // PAGE
            page = client.get(_path(departments, page=str(index), **{"fields.root": "next"}))
            page.raise_for_status()
            body = page.json()
            if not body["items"] or body["next"] is None:
                raise RuntimeError(f"departments {departments}: {rows} demands, no page after page {index}")
            last = body["items"][-1]
            rank = RANKS[last.get("prioritization", {}).get("level")]
            found.append(
                DemandList(
                    departments, sum(sizes[d] for d in departments), rows, _path(departments), _path(departments, page=body["next"]),
                    (index + 1) * PAGE, (int(last["id"]), rank),
                )
            )  # fmt: skip
    return found


def warm(base: str, headers: dict[str, str], paths: list[str], times: int = 3) -> None:
    """Each path a few times, one after the other: the worker's statements prepared, the pages cached."""
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for _ in range(times):
            for path in paths:
                client.get(path).raise_for_status()


def sequential_p50(base: str, headers: dict[str, str], path: str, requests: int) -> float:
    """The median of `requests` sequential GETs (httpx, one client), in ms: a per-list breakdown that needs
    no wrk run of its own."""
    times = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        client.get(path).raise_for_status()  # warm
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def attendance_sheets(
    database_url: str, workflow: Workflow, seed: int
) -> dict[int, list[dict[str, object]]]:
    """For each attendance session (as loaded: reset first), a sheet of its 500 registered demands, in a
    shuffled order, most attended."""
    rng = random.Random(seed)
    connection = await asyncpg.connect(database_url)
    try:
        sheets = {}
        for session in workflow.attendance_sessions:
            ids = [
                row["id"]
                for row in await connection.fetch(
                    "SELECT id FROM training_demands WHERE account_id = $1 AND session_id = $2"
                    " AND state = 'Registered' ORDER BY id",
                    workflow.account_id,
                    session,
                )
            ]
            if len(ids) != ATTENDANCE_SIZE:
                raise RuntimeError(
                    f"session {session} has {len(ids)} registered demands, not {ATTENDANCE_SIZE}"
                )
            rng.shuffle(ids)
            sheets[session] = [{"demandId": i, "hasAttended": rng.random() < ATTENDED} for i in ids]
        return sheets
    finally:
        await connection.close()


def post_attendance(
    base: str, headers: dict[str, str], session: int, items: list[dict[str, object]]
) -> tuple[float, int, str]:
    """(wall seconds, status, what went wrong or "") of one attendance sheet, on a new connection."""
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        client.get("/health")  # connected: the time below is the call's own
        started = time.perf_counter()
        response = client.post(f"{API}/v1/sessions/{session}/attendance", json={"items": items})
        seconds = time.perf_counter() - started
    problem = ""
    if response.status_code != 200:
        problem = f"{response.status_code} {response.text[:300]}"
    elif len(response.json()["items"]) != len(items):
        problem = f"{len(response.json()['items'])} records for {len(items)} items"
    return seconds, response.status_code, problem
