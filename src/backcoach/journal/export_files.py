"""Write a journal export (``JournalStore.export_all``) to files a physiotherapist can open.

- JSON: one document, exactly ``export_all()``.
- CSV: one file per table (``sessions.csv``, ``sets.csv``, ``reps.csv``...), UTF-8 with a byte
  order mark so spreadsheet programs read accents right; nested values (screening answers,
  planned doses) as JSON text in their cell. Written into a new (or empty) folder, or into a
  single ``.zip`` file when the path ends in ``.zip``.

Nothing is ever overwritten: an existing target file or a folder with files in it is refused.
Files are written under a temporary name and renamed, so a failure leaves no half file.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from backcoach.errors import InputError
from backcoach.files import write_atomically

CSV_ENCODING = "utf-8-sig"


def export_json_text(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def csv_tables(document: Mapping[str, Any], columns: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """``{file name: CSV text}``, one per table, with a header even when a table is empty."""
    files: dict[str, str] = {}
    for table, rows in document["tables"].items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        header = list(columns.get(table) or (rows[0].keys() if rows else []))
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(row.get(name)) for name in header])
        files[f"{table}.csv"] = buffer.getvalue()
    return files


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def write_json(document: Mapping[str, Any], target: Path) -> Path:
    _refuse_existing_file(target)
    write_atomically(target, export_json_text(document).encode("utf-8"))
    return target


def write_csv(
    document: Mapping[str, Any], columns: Mapping[str, Sequence[str]], target: Path
) -> Path:
    """A folder of CSV files, or one zip of them when ``target`` ends in ``.zip``."""
    files = csv_tables(document, columns)
    if target.suffix.lower() == ".zip":
        _refuse_existing_file(target)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content.encode(CSV_ENCODING))
        write_atomically(target, buffer.getvalue())
        return target
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(
            f"{target} already exists and is not an empty folder; choose a new folder name "
            "(backcoach never overwrites files)."
        )
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(
            f"Cannot create the folder {target}: {error.strerror or error}."
        ) from error
    for name, content in files.items():
        write_atomically(target / name, content.encode(CSV_ENCODING))
    return target


def _refuse_existing_file(target: Path) -> None:
    if target.exists():
        raise InputError(
            f"{target} already exists; choose another name (backcoach never overwrites files)."
        )
