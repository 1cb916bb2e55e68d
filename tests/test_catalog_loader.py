"""Bad catalog files give one-line CatalogErrors naming the file, the exercise and the field."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from backcoach.catalog import load_catalog, load_catalog_file
from backcoach.errors import CatalogError

Data = dict[str, Any]


@pytest.fixture(scope="module")
def shipped_data() -> Data:
    text = resources.files("backcoach.catalog").joinpath("data", "exercises.yaml").read_text()
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: Data) -> Path:
    path = tmp_path / "my-catalog.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def error_for(tmp_path: Path, data: Data, change: Callable[[Data], None]) -> str:
    changed = copy.deepcopy(data)
    change(changed)
    with pytest.raises(CatalogError) as caught:
        load_catalog_file(write(tmp_path, changed))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "my-catalog.yaml") + ": ")
    return message


def by_id(data: Data, exercise_id: str) -> Data:
    found: Data = next(e for e in data["exercises"] if e["id"] == exercise_id)
    return found


def test_a_copy_of_the_shipped_catalog_loads_the_same(tmp_path: Path, shipped_data: Data) -> None:
    assert load_catalog_file(write(tmp_path, shipped_data)) == load_catalog()


def test_out_of_range_value_names_exercise_and_field(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(tmp_path, shipped_data, lambda d: by_id(d, "bridge")["dose"].update(reps=0))
    assert message.endswith(
        "my-catalog.yaml: exercise 'bridge': field 'dose.reps': "
        "Input should be greater than or equal to 1 (got 0)"
    )


def test_unknown_key_is_rejected(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(
        tmp_path, shipped_data, lambda d: by_id(d, "cat-cow")["dose"].update(colour="red")
    )
    assert message.endswith(
        "exercise 'cat-cow': field 'dose.colour': unknown key (not allowed here)"
    )


def test_wrong_type_inside_a_level(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(
        tmp_path,
        shipped_data,
        lambda d: by_id(d, "pelvic-tilt")["levels"][3].update(hold_seconds="long"),
    )
    assert "exercise 'pelvic-tilt': field 'levels[3].hold_seconds': " in message
    assert "valid number" in message and "'long'" in message


def test_missing_field_is_named(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(tmp_path, shipped_data, lambda d: by_id(d, "bird-dog").pop("purpose"))
    assert message.endswith("exercise 'bird-dog': field 'purpose': required but missing")


def test_exercise_without_an_id_is_named_by_position(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(tmp_path, shipped_data, lambda d: d["exercises"][2].pop("id"))
    assert message.endswith("exercise #3: field 'id': required but missing")


def test_unknown_body_part_for_the_camera(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(
        tmp_path,
        shipped_data,
        lambda d: by_id(d, "bridge")["camera"].update(must_see=["hips", "elbows"]),
    )
    assert "exercise 'bridge': field 'camera.must_see[1]': " in message


def test_reversed_camera_distance(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(
        tmp_path,
        shipped_data,
        lambda d: by_id(d, "bridge")["camera"].update(distance_m=[3.0, 1.0]),
    )
    assert "exercise 'bridge': field 'camera.distance_m': give [nearest, farthest]" in message


def test_duplicate_exercise_id(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(tmp_path, shipped_data, lambda d: by_id(d, "cat-cow").update(id="bridge"))
    assert message.endswith("exercise 'bridge': field 'id': used by two exercises")


def test_duplicate_avoided_movement_id(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(tmp_path, shipped_data, lambda d: d["avoided"][1].update(id="leg-lift"))
    assert "avoided movement 'leg-lift': field 'id': used by two" in message


def test_avoided_movement_problem_names_it(tmp_path: Path, shipped_data: Data) -> None:
    message = error_for(tmp_path, shipped_data, lambda d: d["avoided"][2].pop("reason"))
    assert message.endswith("avoided movement 'leg-lift': field 'reason': required but missing")


def test_a_level_whose_dose_is_invalid_names_the_level(tmp_path: Path, shipped_data: Data) -> None:
    twice = [{"key": "same", "label": "a"}, {"key": "same", "label": "b"}]
    message = error_for(
        tmp_path, shipped_data, lambda d: by_id(d, "cat-cow")["levels"][4].update(parts=twice)
    )
    assert message.endswith(
        "exercise 'cat-cow': field 'levels[4].parts': part key 'same' is used twice"
    )


def test_several_problems_are_counted(tmp_path: Path, shipped_data: Data) -> None:
    def break_two(data: Data) -> None:
        by_id(data, "bridge")["dose"]["reps"] = 0
        by_id(data, "bird-dog").pop("name")

    assert error_for(tmp_path, shipped_data, break_two).endswith("(and 1 more problem)")


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("doctor_caution: ok\nexercises: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"broken\.yaml: not valid YAML \(line \d+, column \d+"):
        load_catalog_file(path)


def test_a_key_given_twice_is_an_error_not_silently_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text("doctor_caution: a\ndoctor_caution: b\nexercises: []\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"twice\.yaml: not valid YAML \(line 2.*appears twice"):
        load_catalog_file(path)


def test_yaml_merge_keys_still_work(tmp_path: Path, shipped_data: Data) -> None:
    path = tmp_path / "merge.yaml"
    press_up = json.dumps(by_id(shipped_data, "press-up"))  # JSON is valid YAML
    path.write_text(
        f"doctor_caution: ask first\nexercises:\n  - &base {press_up}\n"
        "  - {<<: *base, id: press-up-again}\n",
        encoding="utf-8",
    )
    assert load_catalog_file(path).ids == ("press-up", "press-up-again")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"nowhere\.yaml: no such catalog file"):
        load_catalog_file(tmp_path / "nowhere.yaml")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="is a directory"):
        load_catalog_file(tmp_path)


def test_not_a_mapping_at_the_top(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"list\.yaml: expected a mapping .* found list"):
        load_catalog_file(path)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    with pytest.raises(CatalogError, match="not a UTF-8 text file"):
        load_catalog_file(path)
