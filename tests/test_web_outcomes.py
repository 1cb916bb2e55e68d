"""The measures page: PSFS activities and ratings and questionnaire totals entered on the web,
in-process through httpx on a real SQLite journal."""

from __future__ import annotations

import html

import httpx
import pytest

from backcoach.journal.outcomes_store import Instrument, OutcomesStore
from backcoach.web.report import with_plain_words
from test_web_support import ORIGIN, WebHarness, harness

pytestmark = pytest.mark.anyio
__all__ = ["harness"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def client(h: WebHarness) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=h.app), base_url=ORIGIN)


async def test_psfs_is_explained_named_and_rated_on_the_web(harness: WebHarness) -> None:
    async with client(harness) as c:
        page = (await c.get("/outcomes")).text
        assert "Patient-Specific Functional Scale (PSFS) follows 3 to 5 everyday activities" in page
        too_few = await c.post(
            "/outcomes/activities", data={"activity1": "putting on socks", "activity2": "lifting"}
        )
        assert too_few.status_code == 400
        assert "Name 3 to 5 activities (you gave 2)." in too_few.text
        assert 'value="putting on socks"' in too_few.text  # what was typed is kept
        named = await c.post(
            "/outcomes/activities",
            data={"activity1": "putting on socks", "activity2": "lifting", "activity3": "sitting"},
        )
        assert named.status_code == 303
        rate_page = (await c.get(named.headers["location"])).text
        assert "Your activities are saved" in rate_page and "A rating is due now." in rate_page
        activities = OutcomesStore(harness.store).psfs_activities()
        partial = await c.post("/outcomes/psfs", data={f"rating{activities[0].id}": "4"})
        assert partial.status_code == 400
        assert "Choose a rating from 0 to 10 for 'lifting'" in html.unescape(partial.text)
        ratings = {
            f"rating{a.id}": str(score) for a, score in zip(activities, (4, 6, 8), strict=True)
        }
        rated = await c.post("/outcomes/psfs", data=ratings)
        assert rated.status_code == 303
        saved = (await c.get(rated.headers["location"])).text
        assert "Your score today: 6 out of 10." in saved
        assert "Your next rating is due on" in saved
        home = (await c.get("/")).text
    (assessment,) = OutcomesStore(harness.store).psfs_assessments()
    assert [score for _, score in assessment.ratings] == [4, 6, 8]
    assert "Rate your everyday activities" not in home  # not due again for two weeks


async def test_questionnaire_totals_are_checked_and_saved(harness: WebHarness) -> None:
    async with client(harness) as c:
        over = await c.post(
            "/outcomes/questionnaire", data={"instrument": "roland-morris", "score": "30"}
        )
        assert over.status_code == 400
        assert "must be from 0 to 24 points, got 30" in over.text and 'value="30"' in over.text
        words = await c.post(
            "/outcomes/questionnaire", data={"instrument": "oswestry", "score": "a lot"}
        )
        assert words.status_code == 400 and "as a number from 0 to 100" in words.text
        future = await c.post(
            "/outcomes/questionnaire",
            data={"instrument": "oswestry", "score": "20", "day": "2099-01-01"},
        )
        assert future.status_code == 400 and "cannot be in the future" in future.text
        saved = await c.post(
            "/outcomes/questionnaire", data={"instrument": "oswestry", "score": "32,5"}
        )
        assert saved.status_code == 303
        page = (await c.get(saved.headers["location"])).text
        report = (await c.get("/progress")).text
    (total,) = OutcomesStore(harness.store).questionnaire_totals()
    assert total.instrument is Instrument.OSWESTRY and total.score == 32.5
    assert "Oswestry Disability Index, 32.5 %" in page
    assert "Oswestry Disability Index" in report


def test_the_video_check_names_the_exercise_and_says_its_form_notes() -> None:
    report = {
        "exercise": "knees-up-stretch",
        "recognized": None,
        "reps": [{"start": 1.0, "warnings": ["short-hold"]}, {"start": 5.0, "warnings": []}],
        "warnings": [{"code": "short-hold", "message": "Hold a little longer.", "time": 2.0}],
    }
    plain = with_plain_words(report)
    assert plain["exercise_name"] == "Knees-up stretch"
    assert [rep["warning_messages"] for rep in plain["reps"]] == [["Hold a little longer."], []]
