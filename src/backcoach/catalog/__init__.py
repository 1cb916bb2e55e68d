"""Exercise data (YAML shipped in the package) and its schema."""

from backcoach.catalog.schema import (
    AvoidedMovement,
    Catalog,
    Dose,
    DoseStep,
    Exercise,
    Part,
    Side,
)

__all__ = ["AvoidedMovement", "Catalog", "Dose", "DoseStep", "Exercise", "Part", "Side"]
