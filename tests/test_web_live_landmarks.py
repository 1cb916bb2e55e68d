"""Pose in the browser, the server's side: landmark messages over the live WebSocket.

The page runs the pose model and sends landmarks; the server checks every message, feeds it
to the same analysis engine as camera frames, loads no pose model and refuses image bytes.
Pose and analyzer are fakes here (the browser tests run the real model in Chromium).
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette nags about its httpx-based test client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from backcoach.errors import InputError
from backcoach.pose.frame import PoseFrame
from backcoach.web.landmark_message import (
    MAX_MESSAGE_CHARS,
    landmark_message,
    parse_landmarks,
    to_pose_frame,
)
from backcoach.web.live_route import IMAGES_REFUSED
from test_web_live import receive_until
from test_web_support import ORIGIN, WebHarness, harness, jpeg_message, side_view_frame

__all__ = ["harness"]

BROWSER = "/ws/live?tab=a&exercise=bridge&pose=browser"


def message_text(t_ms: float, frame: PoseFrame | None = None, **change: Any) -> str:
    frame = frame or side_view_frame(t_ms / 1000.0)
    message = landmark_message(frame, t_ms)
    message.update(change)
    return json.dumps(message)


def test_a_message_round_trips_to_the_same_frame() -> None:
    frame = side_view_frame(0.0, width=640, height=360)
    message = parse_landmarks(message_text(1234.5, frame))
    again = to_pose_frame(message, 0.5, 7)
    assert again.detected and (again.width, again.height, again.index) == (640, 360, 7)
    assert again.image == pytest.approx(frame.image, abs=1e-4)
    assert again.world == pytest.approx(frame.world, abs=1e-4)
    assert again.visibility == pytest.approx(frame.visibility, abs=1e-4)
    nobody = parse_landmarks(message_text(1300.0, PoseFrame.empty(0.0, 640, 360)))
    assert not to_pose_frame(nobody, 0.6, 8).detected
    assert len(message_text(1234.5, frame)) < 2_500  # small: about 2 kB a frame


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"image": [0.5] * 96}, "image"),  # 32 points
        ({"visibility": [0.5] * 34}, "visibility"),
        ({"image": [math.nan] * 99}, "image"),
        ({"world": [1e9] * 99}, "world"),
        ({"visibility": [1.5] * 33}, "visibility"),
        ({"t": -1.0}, "t"),
        ({"width": 0}, "width"),
        ({"width": 10**9}, "width"),
        ({"type": "frame"}, "type"),
        ({"extra": 1}, "extra"),
        ({"world": None}, "world points"),
    ],
)
def test_bad_landmark_messages_are_refused_with_a_reason(change: dict[str, Any], says: str) -> None:
    with pytest.raises(InputError, match=says):
        parse_landmarks(message_text(100.0, **change))


def test_oversized_deep_or_broken_text_is_refused_before_parsing() -> None:
    with pytest.raises(InputError, match="larger than"):
        parse_landmarks(" " * (MAX_MESSAGE_CHARS + 1))
    with pytest.raises(InputError, match="levels deep"):
        parse_landmarks("[" * 10 + "]" * 10)
    with pytest.raises(InputError, match="not JSON"):
        parse_landmarks('{"type": "landmarks", ')
    with pytest.raises(InputError, match="not a JSON object"):
        parse_landmarks("[1, 2]")


def test_landmarks_are_analysed_without_a_pose_model_and_images_are_refused(
    harness: WebHarness,
) -> None:
    with (
        TestClient(harness.app, base_url=ORIGIN) as client,
        client.websocket_connect(BROWSER, headers={"origin": ORIGIN}) as ws,
    ):
        state = receive_until(ws, lambda m: m["type"] == "state")
        assert state["pose"] == "browser"
        results = []
        for i in range(6):
            ws.send_text(message_text(500.0 + i * 66.0))
            results.append(receive_until(ws, lambda m: m["type"] == "pose"))
        # Reps from landmarks: the scripted analyzer counts every third frame.
        assert [r["analysis"]["reps"] for r in results] == [0, 0, 1, 1, 1, 2]
        assert [r["t"] for r in results] == pytest.approx([0.0, 0.066, 0.132, 0.198, 0.264, 0.33])
        assert all(r["detected"] and r["landmarks"] is None for r in results)
        assert results[0]["position"] and "in_start_position" in results[0]
        # An image is refused, never decoded or posed.
        ws.send_bytes(jpeg_message(900.0))
        assert receive_until(ws, lambda m: m["type"] == "error")["message"] == IMAGES_REFUSED
        ws.send_text(message_text(950.0))
        after = receive_until(ws, lambda m: m["type"] == "pose")
        assert after["stats"]["rejected"] == 1 and after["stats"]["processed"] == 7
        # A capture time that goes backwards is refused.
        ws.send_text(message_text(100.0))
        assert "went backwards" in receive_until(ws, lambda m: m["type"] == "error")["message"]
        ws.send_text(message_text(1000.0, PoseFrame.empty(0.0, 320, 180)))
        assert receive_until(ws, lambda m: m["type"] == "pose")["detected"] is False
    assert harness.estimator.seen_timestamps == []
    assert not harness.estimator.closed  # the model was never made, so never closed


def test_landmarks_need_the_mode_and_the_page_can_fall_back_to_frames(
    harness: WebHarness,
) -> None:
    with (
        TestClient(harness.app, base_url=ORIGIN) as client,
        client.websocket_connect(
            "/ws/live?tab=a&exercise=bridge", headers={"origin": ORIGIN}
        ) as ws,
    ):
        ws.send_text(message_text(100.0))
        refused = receive_until(ws, lambda m: m["type"] == "error")
        assert "only once the page says it runs pose" in refused["message"]
        ws.send_text(json.dumps({"type": "mode", "pose": "gpu"}))
        assert "not known" in receive_until(ws, lambda m: m["type"] == "error")["message"]
        ws.send_text(json.dumps({"type": "hello"}))
        assert "does not know" in receive_until(ws, lambda m: m["type"] == "error")["message"]
        ws.send_text(json.dumps({"type": "mode", "pose": "browser"}))
        receive_until(ws, lambda m: m["type"] == "state" and m["pose"] == "browser")
        ws.send_text(message_text(200.0))
        assert receive_until(ws, lambda m: m["type"] == "pose")["analysis"]["reps"] == 0
        # Too slow on this device: the page hands pose back to the server and sends frames.
        ws.send_text(json.dumps({"type": "mode", "pose": "server"}))
        receive_until(ws, lambda m: m["type"] == "state" and m["pose"] == "server")
        ws.send_bytes(jpeg_message(300.0))
        framed = receive_until(ws, lambda m: m["type"] == "pose")
    assert framed["landmarks"] and len(framed["landmarks"]) == 33
    assert framed["analysis"]["reps"] == 0  # the same analysis went on: two frames so far
    assert harness.estimator.seen_timestamps == pytest.approx([0.1])
