"""The web coach's pages and JSON API, in-process through httpx's ASGI transport,
on a real SQLite journal with the real catalog, planner and player."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from backcoach.planning.screening import EMERGENCY_MESSAGE, QUESTIONS
from test_web_support import ORIGIN, WebHarness, harness, make_harness, screen_answers

pytestmark = pytest.mark.anyio
__all__ = ["harness"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def client(h: WebHarness) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=h.app), base_url=ORIGIN)


@contextlib.asynccontextmanager
async def screened(h: WebHarness, yes: tuple[str, ...] = ()) -> AsyncIterator[httpx.AsyncClient]:
    """A client for a person who has answered the red-flag screen."""
    async with client(h) as c:
        response = await c.post("/screen", data=screen_answers(yes))
        assert response.status_code == 303
        yield c


async def test_first_visit_shows_caution_and_red_flag_screen(harness: WebHarness) -> None:
    async with client(harness) as c:
        response = await c.get("/")
        assert response.status_code == 303
        assert response.headers["location"] == "/screen"
        page = (await c.get("/screen")).text
    assert harness.app.state.backcoach.catalog.doctor_caution in page
    for question in QUESTIONS:
        assert f'name="{question.id}"' in page


async def test_incomplete_screen_is_refused_and_nothing_is_stored(harness: WebHarness) -> None:
    answers = screen_answers()
    del answers[QUESTIONS[3].id]
    async with client(harness) as c:
        response = await c.post("/screen", data=answers)
        assert response.status_code == 400
        assert "answer every question" in response.text
        no_caution = await c.post("/screen", data=screen_answers(caution=False))
        assert no_caution.status_code == 400
    assert harness.store.latest_screening() is None


async def test_clear_screen_leads_to_plan_with_reasons(harness: WebHarness) -> None:
    async with screened(harness) as c:
        page = (await c.get("/")).text
        plan = (await c.get("/api/plan")).json()
    assert harness.store.latest_screening().outcome == "clear"
    assert len(plan["exercises"]) == 7
    for item in plan["exercises"]:
        assert item["name"] in page
        assert item["reason"] and item["reason"].replace("'", "&#39;") in page
    assert "No sessions yet" in page


async def test_emergency_sign_means_urgent_care_and_no_session(harness: WebHarness) -> None:
    async with screened(harness, yes=("bladder",)) as c:
        page = (await c.get("/")).text
        assert EMERGENCY_MESSAGE in page
        assert 'action="/clearance"' not in page  # a clinician note cannot unlock this
        blocked = await c.post("/session/start", data={"pain_before": "2"})
        assert EMERGENCY_MESSAGE in blocked.text
        api = await c.post("/api/session/start", json={"pain_before": 2})
        assert api.status_code == 403
        clearance = await c.post("/clearance", data={"cleared": "yes"})
        assert clearance.status_code == 403
    assert harness.store.sessions() == []


async def test_see_doctor_sign_blocks_until_clinician_clearance(harness: WebHarness) -> None:
    async with screened(harness, yes=("cancer",)) as c:
        page = (await c.get("/")).text
        assert 'action="/clearance"' in page
        assert (await c.post("/api/session/start", json={"pain_before": 1})).status_code == 403
        unticked = await c.post("/clearance", data={})
        assert unticked.status_code == 400
        assert harness.store.latest_screening().clinician_cleared_at is None
        assert (await c.post("/clearance", data={"cleared": "yes"})).status_code == 303
        assert 'id="plan"' in (await c.get("/")).text
        started = await c.post("/api/session/start", json={"pain_before": 1, "camera": False})
        assert started.status_code == 200
    assert harness.store.latest_screening().clinician_cleared_at is not None


async def test_screen_is_due_again_after_fourteen_days(harness: WebHarness) -> None:
    async with screened(harness) as c:
        assert (await c.get("/")).status_code == 200
        harness.now.advance(days=14)
        response = await c.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/screen"


async def test_session_with_timers_pain_stop_and_journal(harness: WebHarness) -> None:
    async with screened(harness) as c:
        start = await c.post("/session/start", data={"pain_before": "2", "camera": "yes"})
        assert start.status_code == 303
        page = (await c.get("/session")).text
        assert 'id="rep-count"' in page and "Press-up" in page
        assert (await c.get("/api/session")).json()["camera"] is True
        state = (await c.post("/api/session/command", json={"command": "camera_off"})).json()
        assert state["camera"] is False and state["phase"] == "intro"
        state = (await c.post("/api/session/command", json={"command": "ready"})).json()
        assert state["phase"] == "move"
        for _ in range(200):  # the whole first exercise, a second at a time
            harness.clock.advance(1.0)
            state = (await c.get("/api/session")).json()
            if state["exercise_index"] == 1:
                break
        assert state["exercise_index"] == 1
        ok = (await c.post("/api/session/pain", json={"score": 4})).json()
        assert not ok["finished"]
        assert "within the limit" in ok["pain_message"]
        stopped = (await c.post("/api/session/pain", json={"score": 7})).json()
        assert stopped["finished"] and stopped["status"] == "stopped_pain"
        assert "7/10" in stopped["reason"]
        bad = await c.post("/api/session/finish", json={"pain_after": 11})
        assert bad.status_code == 400
        done = (await c.post("/api/session/finish", json={"pain_after": 6})).json()
        assert done["pain_after_done"] and not done["active"]
        home = (await c.get("/")).text
    (session,) = harness.store.sessions()
    assert session.front_end == "web"
    assert session.status == "stopped_pain" and session.pain_before == 2
    assert session.pain_after == 6
    assert [(p.context, p.score) for p in session.pain_entries] == [
        ("before", 2),
        ("during", 4),
        ("during", 7),
        ("after", 6),
    ]
    first, second = session.sets[:2]
    assert first.status == "completed" and first.reps_done == first.planned_reps
    assert {rep.counted_by for rep in first.reps} == {"hand"}
    assert second.status == "stopped"
    assert "stopped for pain" in home
    assert "4/10, then 7/10" in home  # pain during the session is in the history
    assert f"1 of {session.exercises_planned}" in home and session.exercises_planned == 7
    # The rest of the day is for rest: no new start is offered, and none is accepted.
    assert "Start today&#39;s session" not in home and "Start today's session" not in home
    assert "no more exercise today" in home
    async with client(harness) as c:
        blocked = await c.get("/session")
        assert "No more exercise today" in blocked.text
        refused = await c.post("/api/session/start", json={"pain_before": 1})
        assert refused.status_code == 403 and "stopped because of pain (7/10)" in refused.text
        harness.now.advance(days=1)
        tomorrow = (await c.get("/")).text
    assert "Start today&#39;s session" in tomorrow or "Start today's session" in tomorrow


async def test_quit_keeps_what_was_done(harness: WebHarness) -> None:
    async with screened(harness) as c:
        await c.post("/api/session/start", json={"pain_before": 3, "camera": False})
        state = (await c.post("/api/session/command", json={"command": "skip"})).json()
        assert state["coach"]["skip_label"] == "Skip the rest"  # the skip named the press-up
        asked = (await c.post("/api/session/command", json={"command": "quit"})).json()
        assert asked["coach"]["confirming_quit"] and asked["paused"] and not asked["finished"]
        kept = (await c.post("/api/session/command", json={"command": "keep_going"})).json()
        assert not kept["coach"]["confirming_quit"] and not kept["paused"]
        await c.post("/api/session/command", json={"command": "quit"})
        state = (await c.post("/api/session/command", json={"command": "confirm_quit"})).json()
        assert state["finished"] and state["status"] == "quit"
        await c.post("/api/session/finish", json={"pain_after": None})
        again = await c.get("/session")
        assert 'name="pain_before"' in again.text  # ready for a new session
    (session,) = harness.store.sessions()
    assert session.status == "quit" and session.pain_after is None
    assert [s.status for s in session.sets] == ["skipped"]  # quit in the rest after it


async def test_pain_before_above_limit_stops_at_once(harness: WebHarness) -> None:
    async with screened(harness) as c:
        state = (await c.post("/api/session/start", json={"pain_before": 8})).json()
    assert state["finished"] and state["status"] == "stopped_pain"
    assert harness.store.sessions()[0].status == "stopped_pain"


async def test_bad_commands_and_pain_give_clear_errors(harness: WebHarness) -> None:
    async with screened(harness) as c:
        none = await c.post("/api/session/command", json={"command": "pause"})
        assert none.status_code == 409 and "No session is running" in none.json()["error"]
        await c.post("/api/session/start", json={"pain_before": 1})
        wrong = await c.post("/api/session/command", json={"command": "dance"})
        assert "Unknown command" in wrong.json()["error"]
        pain = await c.post("/api/session/pain", json={"score": "a lot"})
        assert pain.status_code == 400 and "0 (no pain) to 10" in pain.json()["error"]
        not_json = await c.post("/api/session/pain", content=b"{", headers={"content-type": "x"})
        assert not_json.status_code == 400


async def test_upload_rejects_a_file_that_is_not_a_video(harness: WebHarness) -> None:
    async with client(harness) as c:
        response = await c.post(
            "/api/uploads?filename=notes.mp4", content=b"this is not a video at all" * 100
        )
    assert response.status_code == 400
    assert "notes.mp4 is not a video" in response.json()["error"]
    assert list(harness.upload_dir.iterdir()) == []


async def test_upload_rejects_a_still_picture(harness: WebHarness) -> None:
    ok, png = cv2.imencode(".png", np.zeros((40, 60, 3), dtype=np.uint8))
    assert ok
    async with client(harness) as c:
        response = await c.post("/api/uploads?filename=me.png", content=png.tobytes())
    assert response.status_code == 400
    assert "me.png is a single picture" in response.json()["error"]
    assert list(harness.upload_dir.iterdir()) == []


async def test_upload_rejects_a_file_over_the_size_cap(tmp_path: Path) -> None:
    h = make_harness(tmp_path, max_upload_mb=1)
    big = b"\0" * (1024 * 1024 + 10)

    async def chunks():  # no Content-Length: the cap must hold while streaming
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    async with client(h) as c:
        declared = await c.post("/api/uploads?filename=big.mp4", content=big)
        streamed = await c.post("/api/uploads?filename=big.mp4", content=chunks())
    assert declared.status_code == 413 and "1 MB" in declared.json()["error"]
    assert streamed.status_code == 413
    assert list(h.upload_dir.iterdir()) == []
    h.store.close()


async def test_upload_unknown_exercise_is_refused(harness: WebHarness) -> None:
    async with client(harness) as c:
        response = await c.post("/api/uploads?filename=a.mp4&exercise=handstand", content=b"x")
    assert response.status_code == 404


async def test_pages_render_for_keyboard_and_small_screens(harness: WebHarness) -> None:
    async with screened(harness) as c:
        upload = (await c.get("/upload")).text
        css = (await c.get("/static/style.css")).text
        js = (await c.get("/static/session.js")).text
    assert '<meta name="viewport"' in upload and 'accept="video/*"' in upload
    assert ":focus-visible" in css and "@media (max-width" in css
    for key in ('key === " "', 'key === "p"', 'key === "s"', 'key === "q"'):
        assert key in js


async def test_other_sites_cannot_post_or_rebind(harness: WebHarness) -> None:
    async with screened(harness, yes=("cancer",)) as c:
        forged = await c.post(
            "/clearance", data={"cleared": "yes"}, headers={"origin": "http://evil.example"}
        )
        assert forged.status_code == 403
        own = await c.post("/clearance", data={"cleared": "yes"}, headers={"origin": ORIGIN})
        assert own.status_code == 303
        rebound = await c.get("/api/plan", headers={"host": "evil.example:8000"})
        assert rebound.status_code == 421
    assert harness.store.latest_screening().clinician_cleared_at is not None


async def test_without_camera_the_intro_moves_on_by_itself(harness: WebHarness) -> None:
    async with screened(harness) as c:
        state = (
            await c.post("/api/session/start", json={"pain_before": 0, "camera": False})
        ).json()
        assert state["phase"] == "intro" and state["camera"] is False
        harness.clock.advance(19.0)
        assert (await c.get("/api/session")).json()["phase"] == "intro"
        harness.clock.advance(1.5)
        assert (await c.get("/api/session")).json()["phase"] == "move"


async def test_next_morning_check_in_is_asked_once_and_linked(harness: WebHarness) -> None:
    async with screened(harness) as c:
        await c.post("/api/session/start", json={"pain_before": 2, "camera": False})
        await c.post("/api/session/command", json={"command": "quit"})
        await c.post("/api/session/finish", json={"pain_after": 3})
        assert 'id="checkin"' not in (await c.get("/")).text  # not on the same day
        harness.now.advance(days=1)
        assert 'id="checkin"' in (await c.get("/")).text
        bad = await c.post("/checkin", data={"pain": "eleven"})
        assert bad.status_code == 400 and "Pain this morning" in bad.text
        assert (await c.post("/checkin", data={"pain": "2"})).status_code == 303
        assert 'id="checkin"' not in (await c.get("/")).text
    (checkin,) = harness.store.checkins()
    (session,) = harness.store.sessions()
    assert checkin.pain == 2 and checkin.session_id == session.id
