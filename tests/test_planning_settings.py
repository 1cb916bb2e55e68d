"""Settings: declared once with defaults and help, overridable from settings.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from backcoach.config import AppPaths
from backcoach.errors import ConfigError
from backcoach.planning.settings import Settings, describe_settings, load_settings

EXPECTED_DEFAULTS = {
    "progress_max_pain": 2,
    "sessions_to_progress": 2,
    "keep_max_pain": 5,
    "stop_pain_above": 5,
    "step_back_morning_rise": 2,
    "rescreen_days": 14,
}


def paths_at(home: Path) -> AppPaths:
    return AppPaths(home=home, database_url=f"sqlite:///{home / 'journal.sqlite3'}")


def write(home: Path, text: str) -> Path:
    path = home / "settings.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_help_are_declared_once() -> None:
    rows = describe_settings(Settings())
    assert {row.name: row.default for row in rows} == EXPECTED_DEFAULTS
    assert all(row.value == row.default for row in rows)
    assert all(len(row.help) > 20 for row in rows)


def test_no_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(paths_at(tmp_path / "missing-home")) == Settings()


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    write(tmp_path, "# nothing changed\n")
    assert load_settings(paths_at(tmp_path)) == Settings()


def test_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    write(tmp_path, "progress_max_pain: 1\nrescreen_days: 7\n")
    settings = load_settings(paths_at(tmp_path))
    assert (settings.progress_max_pain, settings.rescreen_days) == (1, 7)
    assert settings.keep_max_pain == 5
    changed = {row.name for row in describe_settings(settings) if row.value != row.default}
    assert changed == {"progress_max_pain", "rescreen_days"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("progress_max_pain: [1\n", r"not valid YAML at line \d"),
        ("- 1\n- 2\n", "must be a list of 'name: value' lines"),
        ("rescreen_dayz: 7\n", "unknown setting 'rescreen_dayz'"),
        ("keep_max_pain: 12\n", "setting 'keep_max_pain': .*less than or equal to 10"),
        ("stop_pain_above: five\n", "setting 'stop_pain_above'"),
        ("sessions_to_progress: 0\n", "setting 'sessions_to_progress'"),
        ("rescreen_days: true\n", "setting 'rescreen_days'"),
        ("progress_max_pain: 6\n", "progress_max_pain must not be above keep_max_pain"),
    ],
    ids=["yaml", "not-mapping", "unknown", "range", "type", "zero", "bool", "bands"],
)
def test_broken_file_names_the_file_and_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(paths_at(tmp_path))
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").mkdir()
    with pytest.raises(ConfigError, match="Cannot read the settings file"):
        load_settings(paths_at(tmp_path))


def test_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_bytes(b"rescreen_days: \xff\xfe\n")
    with pytest.raises(ConfigError, match="Cannot read the settings file"):
        load_settings(paths_at(tmp_path))
