"""Clinic mode's settings, declared once, read from a YAML file and/or the environment.

Environment variables (``BACKCOACH_CLINIC_<FIELD>``, e.g. ``BACKCOACH_CLINIC_DATABASE_URL``)
win over the file (``BACKCOACH_CLINIC_CONFIG`` or ``--config``). Lists in the environment are
comma-separated. A broken setting is refused with one sentence naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from backcoach.errors import ConfigError

ENV_PREFIX = "BACKCOACH_CLINIC_"
CONFIG_ENV = "BACKCOACH_CLINIC_CONFIG"
MIN_SECRET_LENGTH = 32
LIST_FIELDS = ("allowed_hosts", "public_origins")


class ClinicSettings(BaseModel):
    """Everything a clinic server needs to know, with defaults where one is safe.

    ``public_origins``: the addresses people type (``https://clinic.example.org``); their
    host names are allowed and, when one is https, cookies are marked Secure.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = Field(description="PostgreSQL URL of the clinic database")
    secret: str = Field(description="random text of 32 or more characters (signs CSRF tokens)")
    allowed_hosts: tuple[str, ...] = ()
    public_origins: tuple[str, ...] = ()
    max_upload_mb: int = Field(200, ge=1, le=4096)
    session_hours: float = Field(12.0, gt=0, le=24 * 30)
    invite_days: float = Field(7.0, gt=0, le=60)
    sign_in_window_minutes: float = Field(15.0, gt=0, le=24 * 60)
    max_failures_per_account: int = Field(5, ge=1, le=1000)
    max_failures_per_address: int = Field(20, ge=1, le=10000)
    secure_cookies: bool | None = None  # None: Secure when a public origin is https

    @field_validator("database_url")
    @classmethod
    def _postgresql(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("is not a database URL") from None
        if url.get_backend_name() != "postgresql":
            raise ValueError(
                "must name a PostgreSQL database (postgresql+psycopg://...): clinic mode "
                "serves many people at once"
            )
        return value

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"must be at least {MIN_SECRET_LENGTH} characters of random text "
                '(e.g. python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        return value

    @field_validator("public_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
                raise ValueError(f"{origin!r} is not an origin like https://clinic.example.org")
        return value

    @property
    def cookie_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return any(origin.startswith("https://") for origin in self.public_origins)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def load_clinic_settings(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> ClinicSettings:
    """The settings from ``path`` (or ``BACKCOACH_CLINIC_CONFIG``) and the environment."""
    env = os.environ if environ is None else environ
    if path is None and env.get(CONFIG_ENV, "").strip():
        path = Path(env[CONFIG_ENV].strip())
    values: dict[str, Any] = {} if path is None else _read_file(path)
    for name in ClinicSettings.model_fields:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is None or not raw.strip():
            continue
        values[name] = (
            tuple(item.strip() for item in raw.split(",") if item.strip())
            if name in LIST_FIELDS
            else raw.strip()
        )
    try:
        return ClinicSettings.model_validate(values)
    except ValidationError as error:
        raise ConfigError(_describe(error, path)) from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"Cannot read the clinic settings {path}: {error.strerror}.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(f"The clinic settings {path} are not valid YAML ({error}).") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"The clinic settings {path} must be a mapping of setting: value.")
    return {str(key): value for key, value in document.items()}


def _describe(error: ValidationError, path: Path | None) -> str:
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or "the settings"
    where = f" in {path}" if path is not None else ""
    env_name = ENV_PREFIX + name.upper()
    if first["type"] == "missing":
        return f"Clinic mode needs the setting '{name}'{where} (or {env_name})."
    if first["type"] == "extra_forbidden":
        return f"The clinic settings{where} have an unknown setting '{name}'."
    message = str(first["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    return f"The clinic setting '{name}'{where} ({env_name}): {message}."
