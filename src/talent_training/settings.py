"""Settings, read from `TALENT_TRAINING_*` environment variables (or a `.env` file)."""

from __future__ import annotations

import ipaddress
from functools import cached_property
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/talent-training.db"
_ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}
_ASYNC_DRIVERS |= {driver: driver for driver in list(_ASYNC_DRIVERS.values())}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TALENT_TRAINING_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db",
    )
    timezone: str = Field(default="UTC", description='IANA zone that defines "today" for sessionEndsOn')
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # One pool per worker, plus one listening connection on PostgreSQL (accounts/auth.py).
    db_pool_size: int = Field(default=16, ge=1, le=200, description="Database connections per worker")
    db_pool_timeout: float = Field(
        default=5, gt=0, le=300, description="Seconds to wait for a free or new connection before a 503"
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    access_log: bool = Field(default=True, description="One log line per request")
    log_format: Literal["text", "json"] = Field(default="text", description="json: one object per line")
    remember_keys: bool = Field(
        default=True,
        description="Remember valid API keys per process, forgotten on PostgreSQL's notice of any change; "
        "turn off behind PgBouncer in transaction mode, which cannot deliver that notice",
    )
    metrics: bool | None = Field(
        default=None, description="Serve /metrics; unset: only when listening on a loopback address"
    )
    # What a client may cost (docs/operations.md).
    max_header_bytes: int = Field(
        default=32 * 1024, ge=1024, le=1024 * 1024, description="Request line + headers"
    )
    max_headers: int = Field(default=100, ge=10, le=1000, description="Header fields per request")
    read_timeout_s: float = Field(
        default=60, gt=0, le=3600, description="Seconds for a request's head to arrive, then for its body"
    )
    request_timeout_s: float = Field(
        default=30, gt=0, le=3600, description="Seconds a request may take, from its head to its answer"
    )
    statement_timeout_s: float = Field(
        default=20, gt=0, le=3600, description="Seconds a PostgreSQL statement may run (below the request's)"
    )
    idempotency_ttl_s: float = Field(
        default=24 * 3600,
        ge=60,
        le=30 * 24 * 3600,
        description="How long an Idempotency-Key's answer is kept",
    )
    rate_limit_failed_auth: str | None = Field(
        default="100/minute", description="Failed authentications per client address; empty: no limit"
    )
    rate_limit_per_key: str | None = Field(
        default=None, description='Requests per API key, e.g. "6000/minute"; unset: no limit'
    )
    rate_limit_storage_url: str | None = Field(
        default=None, description="redis://host:6379/0 to count in Redis; unset: in the database"
    )
    audit_retention_days: int = Field(
        default=400, ge=0, le=36500, description="Days an audit event is kept; 0: forever"
    )
    hsts_max_age_s: int | None = Field(
        default=None, ge=0, description="Send Strict-Transport-Security (only behind TLS); unset: not sent"
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins a browser may call the API from; empty: CORS off"
    )
    # Imports over HTTP (docs/imports.md).
    max_upload_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1024, description="Largest body of an import (the file, or its form)"
    )
    import_inline_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=0,
        description="Imports up to this size run during the request; larger ones (or Prefer: respond-async) "
        "become jobs",
    )
    import_jobs: bool = Field(default=True, description="Run queued import jobs in this serving process")
    import_job_poll_s: float = Field(
        default=2, gt=0, le=60, description="Seconds an idle job runner waits before looking for jobs again"
    )
    import_job_heartbeat_s: float = Field(
        default=5, gt=0, le=600, description="Seconds between a running job's signs of life"
    )
    import_job_stale_s: float = Field(
        default=120,
        gt=0,
        le=24 * 3600,
        description="A running job with no sign of life for this long is taken for dead (its process died)",
    )
    import_job_attempts: int = Field(
        default=2, ge=1, le=10, description="Runs a job gets before it is failed (a run cut short counts)"
    )
    import_job_retention_days: int = Field(
        default=30, ge=1, le=3650, description="Days a finished import job (and its report) is kept"
    )
    initial_key_file: str = Field(
        default="var/initial-api-key", description="Where serve writes the first-start key off a terminal"
    )
    public_url: str | None = Field(
        default=None,
        description="Where people reach the service, e.g. https://training.example: the start of the links "
        "the command line prints (user reset-password); unset, the address it serves on",
    )

    @field_validator("database_url")
    @classmethod
    def _async_sqlalchemy_url(cls, value: str) -> str:
        """`postgresql://` and `sqlite://` get the async drivers we ship; other drivers are refused."""
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("is not an SQLAlchemy URL (e.g. postgresql+asyncpg://user@host/db)") from None
        drivername = _ASYNC_DRIVERS.get(url.drivername, url.drivername)
        if drivername not in _ASYNC_DRIVERS.values():
            raise ValueError(f"{url.drivername} is not supported: use postgresql+asyncpg or sqlite+aiosqlite")
        return url.set(drivername=drivername).render_as_string(hide_password=False)

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        address = urlsplit(value.strip())
        if (
            address.scheme not in ("http", "https")
            or not address.hostname
            or address.query
            or address.fragment
        ):
            raise ValueError("must be an http(s) address such as https://training.example")
        return address.geturl().rstrip("/")

    @property
    def public_address(self) -> str:
        """`public_url`, or else the address `serve` listens on."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @field_validator("rate_limit_failed_auth", "rate_limit_per_key")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if not value or value.lower() in ("off", "none"):
            return None
        import limits

        try:
            limits.parse(value)
        except ValueError:
            raise ValueError('is not a rate such as "100/minute" or "10 per second"') from None
        return value

    @model_validator(mode="after")
    def _request_outlasts_statements(self) -> Settings:
        if self.statement_timeout_s >= self.request_timeout_s:
            raise ValueError(
                "request_timeout_s must be longer than statement_timeout_s, so that a slow statement is "
                "refused by the database before the request runs out of time"
            )
        return self

    @model_validator(mode="after")
    def _heartbeats_outpace_staleness(self) -> Settings:
        if self.import_job_stale_s < 3 * self.import_job_heartbeat_s:
            raise ValueError(
                "import_job_stale_s must be at least three times import_job_heartbeat_s, so that a job "
                "missing a sign of life or two is not taken for dead"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def metrics_enabled(self) -> bool:
        """/metrics is unauthenticated: served on a public interface only when asked for."""
        return self.metrics if self.metrics is not None else is_loopback(self.host)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
