"""Every loader of outside data, fuzzed: it may only succeed or give a clear error
(BackcoachError; a clean 4xx on the web), never a traceback or a 500.

Inputs are arbitrary text and JSON, and real documents with parts replaced by arbitrary
values, which reach deeper than random text does.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcoach.catalog.loader import load_catalog, parse_catalog
from backcoach.cli.planning_cmds import _answers_from_file
from backcoach.errors import BackcoachError
from backcoach.journal.store import JournalStore
from backcoach.planning.screening import QUESTION_IDS, evaluate_screening
from backcoach.planning.settings import parse_settings
from backcoach.pose.landmarks_io import load_landmarks
from backcoach.reports.importer import import_export, read_export
from backcoach.web.live import encode_frame
from test_report_journals import build_journal, open_store
from test_web_support import ORIGIN, WebHarness, jpeg_message, make_harness

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
texts = st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1"))


def clear_or_fine(call: Any, *args: Any) -> None:
    try:
        call(*args)
    except BackcoachError as error:
        message = str(error)
        assert message and "Traceback" not in message


def mutate(document: Any, path: list[Any], value: Any) -> Any:
    """``document`` with the value at ``path`` (indices taken modulo the lengths) replaced."""
    changed = copy.deepcopy(document)
    node = changed
    for step, key in enumerate(path):
        if isinstance(node, dict) and node:
            name = sorted(node)[key % len(node)]
            if step == len(path) - 1 or not isinstance(node[name], dict | list):
                node[name] = value
                return changed
            node = node[name]
        elif isinstance(node, list) and node:
            index = key % len(node)
            if step == len(path) - 1 or not isinstance(node[index], dict | list):
                node[index] = value
                return changed
            node = node[index]
        else:
            return changed
    return changed


paths = st.lists(st.integers(0, 10_000), min_size=1, max_size=6)


# -- catalog and settings YAML -----------------------------------------------------------

CATALOG = yaml.safe_load(
    (Path(__file__).parents[1] / "src/backcoach/catalog/data/exercises.yaml").read_text()
)


@FUZZ
@given(text=texts)
def test_catalog_yaml_text(text: str) -> None:
    clear_or_fine(parse_catalog, text, "catalog.yaml")


@FUZZ
@given(path=paths, value=json_values)
def test_catalog_yaml_with_a_part_replaced(path: list[int], value: Any) -> None:
    text = yaml.safe_dump(mutate(CATALOG, path, value), allow_unicode=True)
    clear_or_fine(parse_catalog, text, "catalog.yaml")


@FUZZ
@given(text=texts)
def test_settings_yaml_text(text: str) -> None:
    clear_or_fine(lambda: parse_settings(text, source="settings.yaml"))


@FUZZ
@given(values=st.dictionaries(st.text(max_size=30), json_values, max_size=5))
def test_settings_yaml_mapping(values: dict[str, Any]) -> None:
    text = yaml.safe_dump(values, allow_unicode=True)
    clear_or_fine(lambda: parse_settings(text, source="settings.yaml"))


# -- screen answers, landmarks, import ---------------------------------------------------


def file_with(text: str, suffix: str = ".json") -> Path:
    with tempfile.NamedTemporaryFile(
        "w", suffix=suffix, delete=False, encoding="utf-8", errors="surrogatepass"
    ) as handle:
        handle.write(text)
    return Path(handle.name)


def answers_then_screen(path: Path) -> None:
    evaluate_screening(_answers_from_file(path))


@FUZZ
@given(document=json_values | st.dictionaries(st.sampled_from(QUESTION_IDS), json_values))
def test_screen_answers(document: Any) -> None:
    path = file_with(json.dumps(document))
    try:
        clear_or_fine(answers_then_screen, path)
    finally:
        path.unlink()


@FUZZ
@given(text=texts)
def test_screen_answers_text(text: str) -> None:
    path = file_with(text)
    try:
        clear_or_fine(answers_then_screen, path)
    finally:
        path.unlink()


LANDMARKS = {
    "format": "backcoach-landmarks",
    "version": 1,
    "width": 320,
    "height": 180,
    "fps": 15,
    "duration": 0.2,
    "frames": [
        {
            "t": i / 15,
            "detected": True,
            "image": [[0.5, 0.5, 0.0]] * 33,
            "world": [[0.0, 0.0, 0.0]] * 33,
            "visibility": [0.9] * 33,
        }
        for i in range(3)
    ],
}


@FUZZ
@given(path=paths, value=json_values)
def test_landmarks_with_a_part_replaced(path: list[int], value: Any) -> None:
    file = file_with(json.dumps(mutate(LANDMARKS, path, value)))
    try:
        clear_or_fine(load_landmarks, file)
    finally:
        file.unlink()


@FUZZ
@given(text=texts)
def test_landmarks_text(text: str) -> None:
    file = file_with(text)
    try:
        clear_or_fine(load_landmarks, file)
    finally:
        file.unlink()


@pytest.fixture(scope="module")
def export() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "journal.sqlite3")
        build_journal(store, 2)
        document: dict[str, Any] = json.loads(json.dumps(store.export_all()))
        store.close()
    return document


def import_into_empty(document: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = JournalStore.open(f"sqlite:///{Path(folder) / 'j.sqlite3'}")
        try:
            import_export(store, document)
            # What was imported must be readable by everything that reads the journal.
            store.sessions()
            store.session_summaries()
            store.screenings()
        finally:
            store.close()


@FUZZ
@given(path=paths, value=json_values)
def test_import_with_a_part_replaced(export: dict[str, Any], path: list[int], value: Any) -> None:
    document = {**export, "tables": mutate(export["tables"], path, value)}
    clear_or_fine(import_into_empty, document)


@FUZZ
@given(key=st.sampled_from(["format", "schema_revision", "tables"]), value=json_values)
def test_import_with_a_header_replaced(export: dict[str, Any], key: str, value: Any) -> None:
    clear_or_fine(import_into_empty, {**export, key: value})


@FUZZ
@given(text=texts)
def test_import_text(text: str) -> None:
    file = file_with(text)
    try:
        clear_or_fine(lambda: import_into_empty(read_export(file)))
    finally:
        file.unlink()


# -- the web: uploads' metadata and live messages ----------------------------------------


@pytest.fixture(scope="module")
def web() -> Iterator[WebHarness]:
    with tempfile.TemporaryDirectory() as folder:
        harness = make_harness(Path(folder), analyze=lambda _p, _e, _progress: {"notes": []})
        yield harness
        harness.store.close()


@FUZZ
@given(
    filename=st.none() | st.text(max_size=40),
    exercise=st.none() | st.text(max_size=20) | st.sampled_from(load_catalog().ids),
    body=st.binary(max_size=200),
)
def test_upload_metadata(
    web: WebHarness, filename: str | None, exercise: str | None, body: bytes
) -> None:
    params = {k: v for k, v in {"filename": filename, "exercise": exercise}.items() if v}
    client = TestClient(web.app, base_url=ORIGIN, raise_server_exceptions=False)
    answer = client.post("/api/uploads", params=params, content=body)
    assert answer.status_code < 500, answer.text
    assert answer.status_code == 200 or "error" in answer.json()


@FUZZ
@given(
    messages=st.lists(
        st.binary(max_size=64)
        | st.text(max_size=64)
        | st.floats().map(lambda t: jpeg_message(t))
        | st.binary(min_size=8, max_size=8).map(lambda head: head + jpeg_message(0.0)[8:])
        | st.binary(max_size=64).map(lambda tail: encode_frame(1.0, b"\xff\xd8" + tail)),
        min_size=1,
        max_size=4,
    )
)
def test_live_messages(web: WebHarness, messages: list[bytes | str]) -> None:
    with (
        TestClient(web.app, base_url=ORIGIN) as client,
        client.websocket_connect(
            "/ws/live?tab=fuzz&exercise=bridge", headers={"origin": ORIGIN}
        ) as ws,
    ):
        for message in messages:
            if isinstance(message, bytes):
                ws.send_bytes(message)
            else:
                ws.send_text(message)
        ws.send_bytes(jpeg_message(5000.0))
        for _ in range(200):
            answer = json.loads(ws.receive_text(), parse_constant=_not_json)
            if answer["type"] == "pose" and answer["client_t"] == 5000.0:
                break
        else:
            raise AssertionError("the coach stopped answering")


def _not_json(name: str) -> None:
    raise AssertionError(f"{name} in a message: browsers cannot parse it")
