"""Exercise data (YAML shipped in the package) and its schema."""

from backcoach.catalog.loader import load_catalog, load_catalog_file
from backcoach.catalog.schema import (
    AvoidedMovement,
    Camera,
    Catalog,
    Dose,
    DoseStep,
    Exercise,
    Part,
    Side,
    UnknownExerciseError,
)

__all__ = [
    "AvoidedMovement",
    "Camera",
    "Catalog",
    "Dose",
    "DoseStep",
    "Exercise",
    "Part",
    "Side",
    "UnknownExerciseError",
    "load_catalog",
    "load_catalog_file",
]
