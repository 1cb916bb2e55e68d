"""The thresholds of the safety and progression rules, declared once with defaults and help.

A person (or their clinician) can override any of them in ``$BACKCOACH_HOME/settings.yaml``,
for example::

    progress_max_pain: 1
    rescreen_days: 7
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from backcoach.config import AppPaths
from backcoach.errors import ConfigError

SETTINGS_FILENAME = "settings.yaml"


class Settings(BaseModel):
    """Thresholds of the pain-monitoring model and the red-flag screen."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    progress_max_pain: int = Field(
        2,
        ge=0,
        le=10,
        description="In-session pain (0-10) at most this for a session to count toward a step up.",
    )
    sessions_to_progress: int = Field(
        2,
        ge=1,
        le=10,
        description="Consecutive low-pain sessions, each with a calm next morning, "
        "needed before a dose goes up one step.",
    )
    keep_max_pain: int = Field(
        5,
        ge=0,
        le=10,
        description="In-session pain above this steps the dose back one step; from "
        "progress_max_pain + 1 up to this the dose stays the same.",
    )
    stop_pain_above: int = Field(
        5,
        ge=0,
        le=10,
        description="Pain (0-10) reported above this during a session stops the session.",
    )
    step_back_morning_rise: int = Field(
        2,
        ge=1,
        le=10,
        description="Next-morning pain this many points or more above the pain before "
        "the session steps the dose back one step.",
    )
    rescreen_days: int = Field(
        14,
        ge=1,
        le=365,
        description="Days after which the red-flag screen must be answered again.",
    )

    @model_validator(mode="after")
    def _bands_in_order(self) -> Settings:
        if self.progress_max_pain > self.keep_max_pain:
            raise ValueError(
                "progress_max_pain must not be above keep_max_pain "
                f"({self.progress_max_pain} > {self.keep_max_pain})"
            )
        return self


@dataclass(frozen=True)
class SettingRow:
    """One setting as shown to a person: its name, current value, default and help."""

    name: str
    value: Any
    default: Any
    help: str


def describe_settings(settings: Settings) -> list[SettingRow]:
    """Every setting in declaration order, with its current value, default and help."""
    rows: list[SettingRow] = []
    for name, field in Settings.model_fields.items():
        rows.append(
            SettingRow(
                name=name,
                value=getattr(settings, name),
                default=field.default,
                help=field.description or "",
            )
        )
    return rows


def settings_path(paths: AppPaths) -> Path:
    return paths.home / SETTINGS_FILENAME


def load_settings(paths: AppPaths) -> Settings:
    """The settings from ``$BACKCOACH_HOME/settings.yaml``, or the defaults when it is absent."""
    path = settings_path(paths)
    if not path.exists():
        return Settings()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise ConfigError(f"Cannot read the settings file {path}: {reason}") from error
    return parse_settings(text, source=str(path))


def parse_settings(text: str, *, source: str) -> Settings:
    """Settings from YAML text; ``source`` names the file in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = ""
        mark = getattr(error, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}"
        raise ConfigError(f"The settings file {source} is not valid YAML{where}.") from error
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        raise ConfigError(
            f"The settings file {source} must be a list of 'name: value' lines, "
            f"not a {type(data).__name__}."
        )
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"The settings file {source} is wrong: {_explain(error)}") from error


def _explain(error: ValidationError) -> str:
    problems: list[str] = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"])
        if item["type"] == "extra_forbidden":
            known = ", ".join(Settings.model_fields)
            problems.append(f"unknown setting '{field}' (known settings: {known})")
        elif field:
            problems.append(f"setting '{field}': {item['msg']} (got {item['input']!r})")
        else:
            problems.append(str(item["msg"]).removeprefix("Value error, "))
    return "; ".join(problems) + "."
