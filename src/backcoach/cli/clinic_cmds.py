"""Clinic set-up from the command line: the first accounts, and importing a journal."""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from backcoach.clinic.settings import ClinicSettings

from backcoach.errors import ConfigError, InputError

ROLES = ("administrator", "clinician")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``backcoach`` app."""

    @app.command("clinic-admin")
    def clinic_admin(
        username: str = typer.Option(..., "--username", help="The sign-in name."),
        name: str = typer.Option(..., "--name", help="The name shown to others."),
        role: str = typer.Option(
            "administrator",
            "--role",
            help="administrator (manages clinicians) or clinician (invites patients).",
        ),
        password: str = typer.Option(
            ...,
            prompt="Password",
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for when not given; at least 10 characters.",
        ),
        config: Path | None = typer.Option(None, "--config", help="The clinic settings (YAML)."),
    ) -> None:
        """Create a clinic administrator or clinician account (the first one included)."""
        from backcoach.clinic.accounts import Role
        from backcoach.clinic.service import Clinic

        if role not in ROLES:
            raise InputError(f"The role is one of: {', '.join(ROLES)} (patients are invited).")
        with closing(Clinic.open(_settings(config))) as clinic:
            account = clinic.accounts.create(
                username=username,
                password=password,
                role=Role(role),
                display_name=name,
                at=clinic.now(),
            )
        typer.echo(f"The {account.role.value} account '{account.username}' is ready.")

    @app.command("clinic-import")
    def clinic_import(
        path: Path = typer.Argument(..., help="A JSON journal export (backcoach export)."),
        patient: str = typer.Option(
            ..., "--patient", help="The patient's sign-in name (their account must exist)."
        ),
        config: Path | None = typer.Option(None, "--config", help="The clinic settings (YAML)."),
    ) -> None:
        """Import a single-user journal into the clinic as one patient's journal."""
        from backcoach.clinic.importer import import_journal_file
        from backcoach.clinic.service import Clinic

        with closing(Clinic.open(_settings(config))) as clinic:
            summary = import_journal_file(clinic, path, patient)
        typer.echo(f"Imported into {patient}'s journal: {summary.describe()}.")


def _settings(config: Path | None) -> ClinicSettings:
    """The clinic's settings; with none given at all, those of the clinic ``clinic-up``
    runs on this machine (its own PostgreSQL and secret in the data folder)."""
    from backcoach.clinic.settings import CONFIG_ENV, ENV_PREFIX, load_clinic_settings

    given = (
        config is not None
        or os.environ.get(CONFIG_ENV)
        or os.environ.get(ENV_PREFIX + "DATABASE_URL")
    )
    if given:
        return load_clinic_settings(config)
    from backcoach.clinic.launcher import default_postgres_dir, local_secret
    from backcoach.clinic.local_postgres import LocalPostgres
    from backcoach.config import resolve_paths

    home = resolve_paths().home
    folder = default_postgres_dir(home)
    if not (folder / "data").is_dir():
        raise ConfigError(
            "No clinic is set up on this machine: start one with 'backcoach clinic-up', or "
            "name the clinic database with BACKCOACH_CLINIC_DATABASE_URL (or --config)."
        )
    return load_clinic_settings(
        None,
        {
            ENV_PREFIX + "DATABASE_URL": LocalPostgres(folder).url(),
            ENV_PREFIX + "SECRET": local_secret(home),
        },
    )
