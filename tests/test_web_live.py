"""The live WebSocket: Origin check, latest-frame-wins dropping, one tab at a time, and camera
reps landing in the journal. Pose and analyzer are fakes here (the logic under test is the
pipeline's); the browser tests run the real pose model on real footage."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette nags about its httpx-based test client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backcoach.analysis.events import Event, EventKind
from backcoach.web.live import ALREADY_OPEN, CLOSE_ORIGIN
from test_web_support import (
    ORIGIN,
    WebHarness,
    harness,
    jpeg_message,
    make_harness,
    screen_answers,
    wait_for,
)

__all__ = ["harness"]


def receive_until(ws: Any, predicate: Any, limit: int = 500) -> dict[str, Any]:
    for _ in range(limit):
        message = json.loads(ws.receive_text())
        if predicate(message):
            return message
    raise AssertionError("no matching message")


def test_foreign_origin_is_refused(harness: WebHarness) -> None:
    with TestClient(harness.app, base_url=ORIGIN) as client:
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/ws/live?tab=a", headers={"origin": "http://evil.example"}),
        ):
            pass
        assert refused.value.code == CLOSE_ORIGIN
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect("/ws/live?tab=a"),  # no Origin at all
        ):
            pass
        with client.websocket_connect("/ws/live?tab=a", headers={"origin": ORIGIN}) as ws:
            assert json.loads(ws.receive_text())["type"] == "state"


def test_busy_server_drops_frames_and_answers_the_newest(tmp_path: Path) -> None:
    h = make_harness(tmp_path, estimator_delay=0.2)
    sent = 15
    with (
        TestClient(h.app, base_url=ORIGIN) as client,
        client.websocket_connect(
            "/ws/live?tab=a&exercise=bridge", headers={"origin": ORIGIN}
        ) as ws,
    ):
        for i in range(sent):
            ws.send_bytes(jpeg_message(1000.0 + i * 10))
        last = receive_until(
            ws,
            lambda m: (
                m["type"] == "pose" and m["stats"]["processed"] + m["stats"]["dropped"] == sent
            ),
        )
    stats = last["stats"]
    assert stats["received"] == sent
    assert stats["dropped"] >= sent - 4  # at most a few frames were ever worked on
    assert stats["processed"] < sent
    assert last["client_t"] == 1000.0 + (sent - 1) * 10  # the newest frame, not a stale one
    assert last["landmarks"] and len(last["landmarks"]) == 33
    assert last["position"] and "in_start_position" in last
    h.store.close()


def test_frames_in_time_are_all_processed(harness: WebHarness) -> None:
    with (
        TestClient(harness.app, base_url=ORIGIN) as client,
        client.websocket_connect(
            "/ws/live?tab=a&exercise=bridge", headers={"origin": ORIGIN}
        ) as ws,
    ):
        for i in range(5):
            ws.send_bytes(jpeg_message(500.0 + i * 66))
            receive_until(ws, lambda m: m["type"] == "pose")
        ws.send_bytes(b"\x00" * 8 + b"not a jpeg")
        error = receive_until(ws, lambda m: m["type"] == "error")
    assert "could not be decoded" in error["message"]
    assert harness.estimator.seen_timestamps == pytest.approx([0.0, 0.066, 0.132, 0.198, 0.264])


def test_second_tab_gets_a_clear_message(harness: WebHarness) -> None:
    with TestClient(harness.app, base_url=ORIGIN) as client:
        with client.websocket_connect("/ws/live?tab=first", headers={"origin": ORIGIN}) as first:
            receive_until(first, lambda m: m["type"] == "state")
            with client.websocket_connect(
                "/ws/live?tab=second", headers={"origin": ORIGIN}
            ) as second:
                message = json.loads(second.receive_text())
                assert message == {"type": "busy", "message": ALREADY_OPEN}
                with pytest.raises(WebSocketDisconnect):
                    second.receive_text()
            # The first tab is unaffected.
            receive_until(first, lambda m: m["type"] == "state")
        # Once the first tab is gone, another tab may open the coach.
        wait_for(lambda: harness.app.state.backcoach.tabs.owner is None)
        with client.websocket_connect("/ws/live?tab=second", headers={"origin": ORIGIN}) as ws:
            assert json.loads(ws.receive_text())["type"] == "state"


def test_camera_counted_reps_are_journaled_as_camera(harness: WebHarness) -> None:
    with TestClient(harness.app, base_url=ORIGIN) as client:
        assert client.post("/screen", data=screen_answers(), follow_redirects=False).status_code
        state = client.post("/api/session/start", json={"pain_before": 1}).json()
        assert state["camera"] is True and state["exercise_id"] == "press-up"
        with client.websocket_connect("/ws/live?tab=a", headers={"origin": ORIGIN}) as ws:
            receive_until(ws, lambda m: m.get("camera_exercise") == "press-up")
            # In get ready movement is not counted, and "I'm in position" starts the set.
            for i in range(4):
                ws.send_bytes(jpeg_message(i * 400.0))
                pose = receive_until(ws, lambda m: m["type"] == "pose")
            assert pose["session"]["reps_done"] == 0
            client.post("/api/session/command", json={"command": "ready"})
            planned = pose["session"]["reps"]
            rest = harness.app.state.backcoach.coach.plan.items[0].dose.rest_seconds
            frame_ms = 2000.0
            rested = 0
            while pose["session"]["phase"] != "between":
                assert frame_ms < 2000.0 + 200 * 100.0, "the set did not end"
                frame_ms += 100.0
                ws.send_bytes(jpeg_message(frame_ms))
                pose = receive_until(ws, lambda m: m["type"] == "pose")
                if pose["session"]["phase"] == "rest":
                    # Reps the camera sees during the rest are not counted.
                    during_rest = pose["session"]["reps_done"]
                    for _ in range(4):  # the scripted analyzer counts every third frame
                        frame_ms += 100.0
                        ws.send_bytes(jpeg_message(frame_ms))
                        pose = receive_until(ws, lambda m: m["type"] == "pose")
                        assert pose["session"]["reps_done"] == during_rest
                    harness.clock.advance(rest + 0.1)
                    rested += 1
            assert pose["session"]["exercise_index"] == 0
            assert rested == planned - 1
        client.post("/api/session/command", json={"command": "quit"})
        assert client.get("/api/session").json()["coach"]["confirming_quit"] is True
        client.post("/api/session/command", json={"command": "confirm_quit"})
        client.post("/api/session/finish", json={"pain_after": 1})
    (session,) = harness.store.sessions()
    first = session.sets[0]
    assert first.counted_by == "camera" and first.status == "completed"
    assert first.reps_done == planned
    assert {rep.counted_by for rep in first.reps} == {"camera"}
    assert all(rep.hold_seconds == pytest.approx(1.5) for rep in first.reps)


def test_live_frames_touch_the_disk_only_when_saving_is_on(tmp_path: Path) -> None:
    for saving in (False, True):
        home = tmp_path / f"saving-{saving}"
        home.mkdir()
        h = make_harness(home, save_frames=saving, save_dir=home / "saved")
        with (
            TestClient(h.app, base_url=ORIGIN) as client,
            client.websocket_connect(
                "/ws/live?tab=a&exercise=bridge", headers={"origin": ORIGIN}
            ) as ws,
        ):
            for i in range(3):
                ws.send_bytes(jpeg_message(i * 100.0))
                receive_until(ws, lambda m: m["type"] == "pose")
        h.store.close()
        images = sorted(path.name for path in home.rglob("*.jpg"))
        assert images == (["000001.jpg", "000002.jpg", "000003.jpg"] if saving else [])


def test_camera_warnings_are_shown_spoken_and_journaled(harness: WebHarness) -> None:
    coach = harness.app.state.backcoach.coach
    with TestClient(harness.app, base_url=ORIGIN) as client:
        client.post("/screen", data=screen_answers())
        client.post("/api/session/start", json={"pain_before": 1})
        client.post("/api/session/command", json={"command": "ready"})
        coach.on_camera(
            [
                Event(EventKind.FORM_WARNING, 1.0, code="hips-sag", message="Lift your hips."),
                Event(EventKind.AVOIDED_MOVEMENT, 1.2, code="sit-up", message="That was a sit-up."),
            ]
        )
        state = client.get("/api/session").json()
        assert state["warning"] == "Lift your hips."
        assert state["avoided"] == "That was a sit-up."
        kinds = {cue["text"]: cue["kind"] for cue in state["cues"]}
        assert kinds["Lift your hips."] == "warning" and kinds["That was a sit-up."] == "avoided"
        # Without the camera for the rest of the session, camera events are ignored.
        client.post("/api/session/command", json={"command": "no_camera"})
        coach.on_camera([Event(EventKind.REP_COMPLETED, 2.0, side="both")])
        client.post("/api/session/command", json={"command": "skip"})
        harness.clock.advance(10.0)
        assert client.get("/api/session").json()["camera"] is False
    (session,) = harness.store.sessions()
    warnings_seen = [(w.code, w.message) for w in session.sets[0].warnings]
    assert warnings_seen == [("hips-sag", "Lift your hips."), ("sit-up", "That was a sit-up.")]
    assert session.sets[0].reps == ()
