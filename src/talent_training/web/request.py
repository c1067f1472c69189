"""What an endpoint is given: Starlette's request, plus what the request path established for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import TYPE_CHECKING, Any

import starlette.requests
from starlette.responses import Response

from talent_training.db.database import Database, Tx
from talent_training.db.secrets import CURSOR_SECRET, read_secret
from talent_training.kit.actor import Actor
from talent_training.kit.paging import CursorCodec
from talent_training.settings import Settings
from talent_training.web.auth import Principal

if TYPE_CHECKING:  # prometheus_client must not be imported before `serve` has set its folder (cli.py)
    from talent_training.web.metrics import Metrics

_TRANSACTION = "talent_training.transaction"


class AppState:
    """What every request of one application shares: its settings, database, metrics, OpenAPI document and
    cursor signer."""

    def __init__(self, settings: Settings, database: Database, metrics: Metrics | None) -> None:
        self.settings = settings
        self.database = database
        self.metrics = metrics
        self.openapi_json = b""
        self._cursor_codec: CursorCodec | None = None
        # While the block runs, the request time limit does not (reading an upload's body, which the
        # server's read timeout watches instead): web/observe.py's `TimeLimit.paused`, set by app.py.
        self.pause_time_limit: Callable[[], AbstractContextManager[None]] = nullcontext

    async def cursor_codec(self) -> CursorCodec:
        # Read once per process: the secret lives in the database so that every worker signs alike.
        if self._cursor_codec is None:
            async with self.database.read() as tx:
                self._cursor_codec = CursorCodec(await read_secret(tx, CURSOR_SECRET))
        return self._cursor_codec


class Request(starlette.requests.Request):
    @property
    def state_of_app(self) -> AppState:
        state: AppState = self.scope["talent_training"]
        return state

    @property
    def settings(self) -> Settings:
        return self.state_of_app.settings

    @property
    def principal(self) -> Principal:
        """Who calls, as the mount's guard established it (public routes have none)."""
        principal: Principal | None = self.scope.get("principal")
        if principal is None:
            raise RuntimeError(f"{self.url.path} is public: it has no principal")
        return principal

    @property
    def actor(self) -> Actor:
        """Who acts, for the audit trail: the caller's account and name (never a secret)."""
        principal = self.principal
        return Actor(principal.account_id, principal.actor)

    def read(self) -> RequestBlock:
        """Statements that only read, each atomic on its own (db/database.py); inside the request's
        transaction, they join it (and see what it wrote)."""
        return RequestBlock(self.scope, self.state_of_app.database, write=False)  # type: ignore[arg-type]

    def transaction(self) -> RequestBlock:
        """The request's one transaction: the first block opens it, and any block opened inside it (by the
        endpoint, or by a step of the request path around it) joins it. Committed when the outermost block
        ends, rolled back entirely if it raises."""
        return RequestBlock(self.scope, self.state_of_app.database, write=True)  # type: ignore[arg-type]

    async def cursor_codec(self) -> CursorCodec:
        return await self.state_of_app.cursor_codec()


Endpoint = Callable[["Request"], Awaitable[Response]]


class RequestBlock:
    __slots__ = ("_block", "_database", "_scope", "_write")

    def __init__(self, scope: dict[str, Any], database: Database, *, write: bool) -> None:
        self._scope = scope
        self._database = database
        self._write = write
        self._block: Any = None

    async def __aenter__(self) -> Tx:
        current: Tx | None = self._scope.get(_TRANSACTION)
        if current is not None:
            return current
        if not self._write:
            self._block = self._database.read()
            reading: Tx = await self._block.__aenter__()
            return reading
        self._block = self._database.transaction()
        tx: Tx = await self._block.__aenter__()
        self._scope[_TRANSACTION] = tx
        return tx

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._block is None:
            return  # joined: the block that opened it decides
        if self._write:
            del self._scope[_TRANSACTION]
        await self._block.__aexit__(kind, error, tb)
