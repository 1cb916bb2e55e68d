"""Read the exercise catalog from YAML and turn every problem into a one-line CatalogError.

``load_catalog()`` reads the catalog shipped inside the package (cached);
``load_catalog_file(path)`` reads any file of the same shape.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from backcoach.catalog.schema import Catalog, nest_field_message
from backcoach.errors import CatalogError

SHIPPED_CATALOG = "exercises.yaml"

# Where a list item's own name can be found, to say "exercise 'bridge'" instead of "#3".
_NAMED_LISTS = {"exercises": "exercise", "avoided": "avoided movement"}


@functools.cache
def load_catalog() -> Catalog:
    """The catalog shipped with backcoach (read once per process)."""
    resource = resources.files("backcoach.catalog").joinpath("data", SHIPPED_CATALOG)
    try:
        text = resource.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError(
            f"{SHIPPED_CATALOG}: the shipped catalog cannot be read ({error}); reinstall backcoach"
        ) from error
    return parse_catalog(text, source=SHIPPED_CATALOG)


def load_catalog_file(path: Path | str) -> Catalog:
    """A catalog from any YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise CatalogError(f"{path}: no such catalog file") from error
    except IsADirectoryError as error:
        raise CatalogError(f"{path}: is a directory, not a catalog file") from error
    except UnicodeDecodeError as error:
        raise CatalogError(f"{path}: not a UTF-8 text file") from error
    except OSError as error:
        raise CatalogError(f"{path}: cannot be read ({error.strerror or error})") from error
    return parse_catalog(text, source=str(path))


def parse_catalog(text: str, source: str) -> Catalog:
    """Validate catalog YAML; ``source`` names the file in error messages."""
    data = _parse_yaml(text, source)
    if not isinstance(data, dict):
        raise CatalogError(
            f"{source}: expected a mapping with the keys 'exercises', 'avoided' and "
            f"'doctor_caution', found {type(data).__name__}"
        )
    try:
        return Catalog.model_validate(data)
    except ValidationError as error:
        raise CatalogError(f"{source}: {describe_validation_error(error, data)}") from error


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping (YAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # '<<' merges an anchor; the keys given beside it override it
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(text: str, source: str) -> Any:
    try:
        # A SafeLoader subclass: builds plain data only, never arbitrary objects.
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise CatalogError(f"{source}: not valid YAML ({where}{problem})") from error


def describe_validation_error(error: ValidationError, data: dict[str, Any]) -> str:
    """The first problem as 'exercise 'id': field 'a.b': message', plus a count of others."""
    problems = error.errors()
    text = _describe_problem(problems[0], data)
    if len(problems) > 1:
        others = len(problems) - 1
        text += f" (and {others} more problem{'s' if others > 1 else ''})"
    return text


def _describe_problem(problem: ErrorDetails, data: dict[str, Any]) -> str:
    loc = tuple(problem["loc"])
    pieces: list[str] = []
    if len(loc) >= 2 and loc[0] in _NAMED_LISTS and isinstance(loc[1], int):
        pieces.append(_item_name(data, str(loc[0]), loc[1]))
        loc = loc[2:]
    pieces.append(nest_field_message(_field_path(loc), _problem_message(problem)))
    return ": ".join(pieces)


def _item_name(data: dict[str, Any], list_key: str, index: int) -> str:
    kind = _NAMED_LISTS[list_key]
    items = data.get(list_key)
    item = items[index] if isinstance(items, list) and index < len(items) else None
    item_id = item.get("id") if isinstance(item, dict) else None
    return f"{kind} '{item_id}'" if isinstance(item_id, str) else f"{kind} #{index + 1}"


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for piece in loc:
        if isinstance(piece, int):
            path += f"[{piece}]"
        else:
            path += f".{piece}" if path else piece
    return path


def _problem_message(problem: ErrorDetails) -> str:
    kind = problem["type"]
    if kind == "extra_forbidden":
        return "unknown key (not allowed here)"
    if kind == "missing":
        return "required but missing"
    message = problem["msg"].removeprefix("Value error, ")
    value = problem.get("input")
    if kind != "value_error" and isinstance(value, str | int | float | bool):
        message += f" (got {value!r})"
    return message
