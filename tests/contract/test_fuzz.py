"""Property-based fuzzing with schemathesis, on every database.

Two documents drive it: our own /openapi.json (every route and method, valid and invalid input, then
stateful chains along its `links`: create, then get or patch what was created), and Lucca's seed contract
itself, pointed at us. Each request goes in-process to the application of the `app` fixture (inside a
transaction of the test's, rolled back at its end), with a `write` key. schemathesis' checks judge every
answer, and `contract_check` too (as on every test client). Any failure fails the test.

Bounded and reproducible: a fixed seed, derandomized generation, a fixed number of examples per operation and
of stateful scenarios, no example database carried from one run to the next.
"""

from __future__ import annotations

import io
import itertools
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio.from_thread
import httpx
import hypothesis
import pytest
import requests
import requests.adapters
import schemathesis
import urllib3
from schemathesis.generation.stateful import run_state_machine_as_test

from talent_training.app import create_app
from talent_training.db.database import Database
from talent_training.settings import Settings
from tests.conftest import Databases, new_key
from tests.contract.checker import contract_check, our_document, seed_document
from tests.databases import BoundPool

BASE_URL = "http://testserver"
# The suite runs these fixed, derandomized budgets. To explore further, by hand: FUZZ_SEED (a random seed,
# then generation is no longer derandomized), FUZZ_EXAMPLES and FUZZ_SCENARIOS.
EXPLORE_SEED = os.environ.get("FUZZ_SEED")
SEED = int(EXPLORE_SEED or 20250104)
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 25))
SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", 20))
STEPS = 8

CHECKS = {
    "not_a_server_error": {"enabled": True},
    "status_code_conformance": {"enabled": True},
    "content_type_conformance": {"enabled": True},
    "response_schema_conformance": {"enabled": True},
    "response_headers_conformance": {"enabled": True},
    "negative_data_rejection": {"enabled": True},
    "use_after_free": {"enabled": True},
    "ensure_resource_availability": {"enabled": True},
    "unsupported_method": {"enabled": True},
}
# The seeds describe a part of the API, and only its successes:
# - `status_code_conformance` would refuse every error (400, 404, 409...), which Lucca answers too: an error
#   is held to our document instead (problem+json, by `contract_check`), and any other status must be one
#   the seeds document (`seed_status_documented`, below). See docs/decisions.md, "Fuzzing".
# - `unsupported_method` would refuse GET /v1/trainings, which Lucca documents outside the seeds.
SEED_CHECKS = {
    **CHECKS,
    "status_code_conformance": {"enabled": False},
    "unsupported_method": {"enabled": False},
}


def _schema(document: dict[str, Any], checks: dict[str, Any], *, coverage: bool = True) -> Any:
    config = {
        "seed": SEED,
        "generation": {
            "mode": "all",  # valid and invalid input
            "max-examples": MAX_EXAMPLES,
            "deterministic": EXPLORE_SEED is None,
            "database": "none",
        },
        "phases": {
            "coverage": {"enabled": coverage},
            # Chains need what each step creates: valid input, so that they go further than the first step.
            "stateful": {"generation": {"mode": "positive"}},
        },
        "checks": {"enabled": False, **checks},
    }
    return schemathesis.openapi.from_dict(document, config=schemathesis.Config.from_dict(config))


OURS = _schema(our_document(), CHECKS)
# The coverage phase (every boundary and every way to break each parameter, deterministically: most of the
# requests) runs on our document only: it serves the seed operations with the seeds' own parameters and
# schemas (tests/contract/test_openapi.py), so it would send the same requests twice.
SEEDS = _schema(seed_document(), SEED_CHECKS, coverage=False)
# Hypothesis' health checks judge how fast and how well data is generated, which depends on the machine's
# load, not on the service. And the fixture's application is meant to live across the examples of an
# operation, as an API's data lives between requests.
HEALTH_CHECKS_OFF = hypothesis.settings(suppress_health_check=list(hypothesis.HealthCheck))

# FUZZ_STATS=1 prints how many answers of each status every route gave: fuzzing that only meets 400s
# exercises nothing behind validation.
STATS: Counter[tuple[str, str, int]] = Counter()


class InProcess(requests.adapters.HTTPAdapter):
    """Hands each request schemathesis sends (with `requests`, synchronously) to the application, on the
    event loop where its database connection lives."""

    def __init__(self, portal: anyio.from_thread.BlockingPortal, client: httpx.AsyncClient) -> None:
        super().__init__()
        self.portal = portal
        self.client = client

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        # As on the wire: header values are latin-1 octets.
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()]
        sent = httpx.Request(request.method or "GET", str(request.url), headers=headers, content=body)
        answer = self.portal.call(self.client.send, sent)
        STATS[(sent.method, sent.url.path, answer.status_code)] += 1
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(answer.content),
            headers=list(answer.headers.multi_items()),
            status=answer.status_code,
            reason=answer.reason_phrase,
            version=11,
            preload_content=False,
            decode_content=False,
        )
        return self.build_response(request, raw)


@dataclass
class Fuzzed:
    session: requests.Session
    key: str
    portal: anyio.from_thread.BlockingPortal
    pool: BoundPool


@pytest.fixture
def fuzzed(databases: Databases, settings: Settings) -> Iterator[Fuzzed]:
    """The `app` fixture's application, on an event loop of its own, and a `write` key of `default`."""
    with anyio.from_thread.start_blocking_portal() as portal:

        async def start() -> tuple[BoundPool, Any, httpx.AsyncClient, str]:
            pool = await databases.bound_pool()
            application = create_app(settings, Database(pool))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application),
                base_url=BASE_URL,
                event_hooks={"response": [contract_check]},
            )
            return pool, application, client, await new_key(application, "write")

        pool, application, client, token = portal.call(start)
        session = requests.Session()
        # Every request carries the key, those a check sends of its own accord too.
        session.headers["Authorization"] = f"lucca application={token}"
        session.mount("http://", InProcess(portal, client))
        try:
            yield Fuzzed(session, token, portal, pool)
        finally:

            async def stop() -> None:
                await client.aclose()
                await application.close()
                await pool.rollback()

            portal.call(stop)
            if os.environ.get("FUZZ_STATS"):
                print("\n".join(f"{m} {p} {s}: {n}" for (m, p, s), n in sorted(STATS.items())))
            STATS.clear()


_sent = itertools.count(1)
_VALID_KEY = re.compile(r"[!-~]{1,255}")


def authorize(case: schemathesis.Case, fuzzed: Fuzzed) -> None:
    """Every request carries the key. A valid `Idempotency-Key` is made unique: generation repeats the
    simplest values, and the same key with another request is rightly 422 before the body is even read,
    which would leave every write after the first unfuzzed. A key generated invalid is sent as it is."""
    headers = dict(case.headers or {})
    headers["Authorization"] = f"lucca application={fuzzed.key}"
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and _VALID_KEY.fullmatch(key):
        suffix = f"~{next(_sent)}"
        headers["Idempotency-Key"] = key[: 255 - len(suffix)] + suffix
    case.headers = headers


def seed_status_documented(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """`status_code_conformance` for the seeds, but for errors (4xx), which the seeds never document, and for
    methods they leave out (sent to see that they are refused, or served as our document says)."""
    operation = seed_document()["paths"][case.path].get(case.method.lower())
    if 400 <= response.status_code < 500 or operation is None:
        return None
    documented = operation["responses"]
    assert str(response.status_code) in documented, (
        f"{case.method} {case.path} answered {response.status_code}; the seeds document {sorted(documented)}"
    )
    return None


def test_both_documents_are_valid_openapi() -> None:
    OURS.validate()  # against OpenAPI 3.1's own schema: our additions (links, patterns) included
    SEEDS.validate()


@OURS.parametrize()
@HEALTH_CHECKS_OFF
def test_every_operation_keeps_our_contract(case: schemathesis.Case, fuzzed: Fuzzed) -> None:
    authorize(case, fuzzed)
    case.call_and_validate(base_url=BASE_URL, session=fuzzed.session)


@SEEDS.parametrize()
@HEALTH_CHECKS_OFF
def test_every_seed_operation_keeps_the_seed_contract(case: schemathesis.Case, fuzzed: Fuzzed) -> None:
    authorize(case, fuzzed)
    case.call_and_validate(
        base_url=BASE_URL, session=fuzzed.session, additional_checks=[seed_status_documented]
    )


def test_stateful_chains_keep_our_contract(fuzzed: Fuzzed) -> None:
    """Scenarios along the document's links (POST, then GET or PATCH by the id it returned), each from the
    same data: one scenario's records would make the next one's answers differ on a replay."""
    assert OURS.statistic.transitions.total > 0, "our document has no links to follow"

    class Chains(OURS.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            fuzzed.portal.call(fuzzed.pool.mark)

        def teardown(self) -> None:
            fuzzed.portal.call(fuzzed.pool.reset)

        def before_call(self, case: schemathesis.Case) -> None:
            authorize(case, fuzzed)

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": BASE_URL, "session": fuzzed.session}

    run_state_machine_as_test(
        Chains,
        settings=hypothesis.settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            derandomize=EXPLORE_SEED is None,
            # As schemathesis' own default for state machines: no shrinking, which replays whole scenarios
            # for minutes; a failure is reported with every step of its scenario instead.
            phases=[hypothesis.Phase.generate],
            database=None,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        ),
    )
