"""The live setup check's judgement of camera placement, on made-up poses (pure logic)."""

from __future__ import annotations

import dataclasses

import numpy as np

from backcoach.pose.frame import PoseFrame
from backcoach.pose.landmarks import BODY_PARTS, Landmark
from backcoach.web.setup_check import SetupCheck, body_parts_for, problems_in
from test_web_support import side_view_frame

BRIDGE_MUST_SEE = ("shoulders", "hips", "knees", "feet")


def with_visibility(frame: PoseFrame, part: str, value: float) -> PoseFrame:
    visibility = frame.visibility.copy()
    visibility[list(BODY_PARTS[part])] = value
    return dataclasses.replace(frame, visibility=visibility)


def facing_camera(frame: PoseFrame) -> PoseFrame:
    image = frame.image.copy()
    image[Landmark.LEFT_SHOULDER, :2] = (0.40, 0.30)
    image[Landmark.RIGHT_SHOULDER, :2] = (0.60, 0.30)
    image[Landmark.LEFT_HIP, :2] = (0.43, 0.60)
    image[Landmark.RIGHT_HIP, :2] = (0.57, 0.60)
    return dataclasses.replace(frame, image=image)


def test_side_view_with_whole_body_is_right() -> None:
    assert problems_in(side_view_frame(0.0), "side", BRIDGE_MUST_SEE) == []


def test_nobody_in_the_picture() -> None:
    (problem,) = problems_in(PoseFrame.empty(0.0, 320, 180), "side", BRIDGE_MUST_SEE)
    assert problem.startswith("I can't see anyone")


def test_feet_out_of_sight_are_named() -> None:
    frame = with_visibility(side_view_frame(0.0), "feet", 0.1)
    assert problems_in(frame, "side", BRIDGE_MUST_SEE) == [
        "I can't see your feet. Move the camera back or turn it."
    ]
    both = with_visibility(frame, "knees", 0.0)
    assert problems_in(both, "side", BRIDGE_MUST_SEE)[0].startswith(
        "I can't see your knees or feet"
    )


def test_feet_cut_off_by_the_image_edge_count_as_unseen() -> None:
    frame = side_view_frame(0.0)
    image = frame.image.copy()
    image[list(BODY_PARTS["feet"]), 0] = 1.0
    problems = problems_in(dataclasses.replace(frame, image=image), "side", BRIDGE_MUST_SEE)
    assert problems and "feet" in problems[0]


def test_one_hidden_foot_in_a_side_view_is_fine() -> None:
    frame = side_view_frame(0.0)
    visibility = frame.visibility.copy()
    visibility[[Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX]] = 0.1
    assert problems_in(dataclasses.replace(frame, visibility=visibility), "side", ("feet",)) == []


def test_front_view_when_side_is_needed_and_the_reverse() -> None:
    front = facing_camera(side_view_frame(0.0))
    assert problems_in(front, "side", BRIDGE_MUST_SEE) == [
        "Turn the camera sideways: I should see you from the side."
    ]
    assert problems_in(front, "front", BRIDGE_MUST_SEE) == []
    assert "face you" in problems_in(side_view_frame(0.0), "front", BRIDGE_MUST_SEE)[0]


def test_two_people_when_the_pose_layer_counts_them() -> None:
    frame = side_view_frame(0.0)
    frame.extras["people"] = 2
    assert problems_in(frame, "side", BRIDGE_MUST_SEE)[0].startswith("I see two people")


def test_check_passes_only_after_a_steady_second() -> None:
    check = SetupCheck(view="side", must_see=BRIDGE_MUST_SEE)
    for t in np.arange(0.0, 0.9, 0.1):
        check.update(side_view_frame(float(t)))
        assert not check.to_dict()["ok"]
    check.update(with_visibility(side_view_frame(0.95), "feet", 0.0))  # a bad frame restarts
    check.update(side_view_frame(1.0))
    check.update(side_view_frame(1.5))
    assert not check.to_dict()["ok"]
    check.update(side_view_frame(2.0))
    state = check.to_dict()
    assert state["ok"] and state["problems"] == []


def test_catalog_words_map_to_body_parts() -> None:
    assert body_parts_for(("whole body",)) == ("head", "shoulders", "hips", "knees", "feet")
    assert body_parts_for(("Ankles", "hip", "elbows")) == ("feet", "hips", "arms")
    assert body_parts_for(("tail",)) == ("head", "shoulders", "hips", "knees", "feet")
