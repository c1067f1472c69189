"""Settings, read from `TALENT_TRAINING_*` environment variables (or a `.env` file)."""

from __future__ import annotations

import ipaddress
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
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
