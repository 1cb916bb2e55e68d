"""Commands of this area (placeholder until the area registers its commands)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``backcoach`` app."""
