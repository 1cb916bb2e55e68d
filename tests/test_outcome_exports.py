"""Pain reported during a session, and how the session went, in every export: JSON, CSV and
FHIR (a real SQLite journal, real files)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from backcoach.journal.export_files import write_csv, write_json
from backcoach.journal.store import JournalStore, table_columns
from backcoach.reports.fhir_export import build_fhir_bundle
from test_report_journals import START, add_session, open_store


def stopped_session(store: JournalStore) -> None:
    add_session(
        store,
        START,
        pain_before=3,
        pain_after=6,
        status="stopped_pain",
        pain_during=(4, 7),
        stop_reason="Pain 7/10 is above 5/10, so the session stops here.",
    )


def test_json_and_csv_exports_keep_pain_during_the_session(tmp_path: Path) -> None:
    store = open_store(tmp_path / "journal.sqlite3")
    stopped_session(store)
    document = store.export_all()
    store.close()
    json_file = write_json(document, tmp_path / "journal.json")
    rows = json.loads(json_file.read_text())["tables"]["pain_entries"]
    assert [(r["context"], r["score"]) for r in rows] == [
        ("before", 3),
        ("during", 4),
        ("during", 7),
        ("after", 6),
    ]
    folder = write_csv(document, table_columns(), tmp_path / "csv")
    with (folder / "pain_entries.csv").open(newline="") as handle:
        during = [r["score"] for r in csv.DictReader(handle) if r["context"] == "during"]
    assert during == ["4", "7"]


def test_fhir_bundle_says_how_the_session_went_and_the_pain_during_it(tmp_path: Path) -> None:
    store = open_store(tmp_path / "journal.sqlite3")
    stopped_session(store)
    bundle = build_fhir_bundle(store)
    store.close()
    notes = [
        note["text"]
        for entry in bundle["entry"]
        for note in entry["resource"].get("note", [])
        if entry["resource"]["resourceType"] == "Observation"
    ]
    session_notes = [text for text in notes if text.startswith("Stopped for pain")]
    assert session_notes == [
        "Stopped for pain: 3 of 3 planned exercises done. Pain reached 7/10, above the limit, "
        "so the session stopped. Pain during the session: 4/10, then 7/10."
    ]
    assert sum("during the exercise session" in text for text in notes) == 2


def test_the_outcome_words_for_every_ending() -> None:
    from backcoach.player.outcome import session_outcome

    all_skipped = session_outcome("completed", planned=7, done=0)
    assert all_skipped.label == "finished with all 7 exercises skipped"
    assert not all_skipped.fully_completed and all_skipped.exercises_done == "0 of 7"
    before = session_outcome("stopped_pain", planned=7, done=0, pain_before=8, started=0)
    assert (
        before.how_it_ended
        == "Pain before the session was 8/10, above the limit, so it did not start."
    )
    assert before.pain_during_text == "none reported"
    crashed = session_outcome("in_progress", planned=3, done=1)
    assert (crashed.label, crashed.exercises_done) == ("not finished", "1 of 3")
    signal = session_outcome("quit", planned=3, done=1, stop_reason="Ended with Ctrl-C.")
    assert signal.how_it_ended == "The session was interrupted in the terminal (Ctrl-C)."
    # More done than planned (an old plan without its list) never reads "4 of 3".
    assert session_outcome("completed", planned=3, done=4).exercises_done == "3 of 3"
