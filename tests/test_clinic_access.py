"""Access control of the clinic app, on real PostgreSQL: every route and method of the app
(enumerated from ``app.routes``, so a new route is covered without touching this file) and
the live WebSocket, as nobody and as each role. A refused request writes nothing, and no
response shows anything of a patient the caller may not see.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

with warnings.catch_warnings():  # starlette nags about its httpx-based test client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from backcoach.catalog.loader import load_catalog
from backcoach.clinic.accounts import Account, Role
from backcoach.clinic.service import Clinic
from backcoach.clinic.settings import ClinicSettings
from backcoach.clinic.tokens import signed
from backcoach.journal.outcomes_store import OutcomesStore
from backcoach.web.clinic_access import (
    CSRF_HEADER,
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    Audience,
    audience_of,
)
from backcoach.web.clinic_app import create_clinic_app
from test_web_support import ORIGIN, FakeEstimator, ScriptedAnalyzer, screen_answers

SECRET = "a-test-secret-that-is-long-enough-for-the-clinic"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
# What each patient's journal holds that nobody else may see.
MARKERS = {
    "a": ("Alphonse Alphaname", "ALPHA-PAIN-NOTE", "Alphawalking uphill", "Alpha Patient"),
    "b": ("Bernadette Bravoname", "BRAVO-PAIN-NOTE", "Bravolifting boxes", "Bravo Patient"),
}
ROLES = ("anonymous", "patient_a", "patient_b", "clinician_a", "clinician_none", "admin")
SEES = {
    "anonymous": set(),
    "patient_a": {"a"},
    "patient_b": {"b"},
    "clinician_a": {"a"},
    "clinician_none": set(),
    "admin": set(),
}
ROLE_AUDIENCE = {
    "patient_a": Audience.PATIENT,
    "patient_b": Audience.PATIENT,
    "clinician_a": Audience.CLINICIAN,
    "clinician_none": Audience.CLINICIAN,
    "admin": Audience.ADMINISTRATOR,
}
ROLE_HOMES = ("/clinic/patients", "/admin")
# Public pages: the only routes anyone may reach without signing in.
PUBLIC = {"/signin", "/invite", "/favicon.ico"}


def analyze_nothing(_path: Any, _exercise: Any, _progress: Any) -> dict[str, Any]:
    return {"reps": 0, "notes": []}


class Clock:
    def __init__(self) -> None:
        self.moment = T0 + timedelta(hours=2)

    def __call__(self) -> datetime:
        return self.moment


@dataclass
class World:
    app: FastAPI
    clinic: Clinic
    accounts: dict[str, Account]
    clock: Clock

    def client(self, role: str) -> tuple[TestClient, str]:
        """A client signed in as ``role`` (a fresh session), and its CSRF token."""
        client = TestClient(self.app, base_url=ORIGIN, follow_redirects=False)
        if role == "anonymous":
            client.cookies.set(PRE_SESSION_COOKIE, "pre-session-of-the-test")
            return client, signed(SECRET, "csrf:pre:pre-session-of-the-test")
        token = self.clinic.sessions.start(self.accounts[role], self.clinic.now())
        client.cookies.set(SESSION_COOKIE, token)
        return client, signed(SECRET, "csrf:" + token)


def _seed(clinic: Clinic, patient: Account, key: str) -> None:
    store = clinic.own_store(patient)
    name, note, activity, _ = MARKERS[key]
    store.add_screening(
        answers={"fever": False}, outcome="clear", flags=[], caution_acknowledged=True, at=T0
    )
    session_id = store.start_session(front_end="web", pain_before=2, plan={}, at=T0)
    store.add_pain(score=3, context="during", session_id=session_id, at=T0, note=note)
    store.finish_session(
        session_id, status="completed", pain_after=2, stop_reason=None, at=T0 + timedelta(1 / 48)
    )
    outcomes = OutcomesStore(store)
    outcomes.set_name(name, T0)
    outcomes.set_psfs_activities([activity, f"{activity} twice", f"{activity} slowly"], T0)


@pytest.fixture(scope="module")
def world(new_postgres_database: Callable[[str], str]) -> Iterator[World]:
    settings = ClinicSettings(database_url=new_postgres_database("access"), secret=SECRET)
    clock = Clock()
    clinic = Clinic.open(settings, now=clock)
    create = clinic.accounts.create
    admin = create(
        username="admin", password=PASSWORD, role=Role.ADMINISTRATOR, display_name="Ada", at=T0
    )
    doc_a = create(
        username="doc.a", password=PASSWORD, role=Role.CLINICIAN, display_name="Dr A", at=T0
    )
    doc_b = create(
        username="doc.b", password=PASSWORD, role=Role.CLINICIAN, display_name="Dr B", at=T0
    )
    doc_none = create(
        username="doc.none", password=PASSWORD, role=Role.CLINICIAN, display_name="Dr N", at=T0
    )
    accounts = {"admin": admin, "clinician_a": doc_a, "clinician_none": doc_none}
    for key, doctor in (("a", doc_a), ("b", doc_b)):
        patient = create(
            username=f"patient.{key}",
            password=PASSWORD,
            role=Role.PATIENT,
            display_name=MARKERS[key][3],
            at=T0,
            clinician_id=doctor.id,
        )
        accounts[f"patient_{key}"] = patient
        _seed(clinic, patient, key)
    estimator = FakeEstimator()
    app = create_clinic_app(
        clinic,
        load_catalog(),
        estimator_factory=lambda: estimator,
        analyzer_factory=lambda exercise_id, _dose: ScriptedAnalyzer(exercise_id),
        analyze=analyze_nothing,
    )
    yield World(app, clinic, accounts, clock)
    clinic.close()


def _row_counts(clinic: Clinic) -> dict[str, int]:
    with clinic.journal.engine.connect() as connection:
        tables = [
            name
            for name in inspect(connection).get_table_names()
            if name not in ("alembic_version", "web_sessions")
        ]
        query = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t}) AS {t}" for t in tables)
        return dict(connection.execute(text(query)).mappings().one())


def _concrete(path: str, world: World) -> str:
    patient_a = str(world.accounts["patient_a"].id)
    return re.sub(
        r"\{(\w+)(:\w+)?\}",
        lambda m: patient_a if m.group(1) == "patient_id" else "1",
        path,
    )


def all_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """Every route with its full path, inside included routers too (FastAPI keeps those
    as branches, not a flat list)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from all_routes(inner.routes, prefix + str(getattr(context, "prefix", "")))
        else:
            yield prefix, route


def _requests(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for prefix, route in all_routes(app.routes):
        if isinstance(route, Route) and route.methods:
            found += [(method, prefix + route.path) for method in sorted(route.methods)]
        elif isinstance(route, Mount):
            found.append(("GET", prefix + route.path + "/style.css"))
    return found


def _send(client: TestClient, method: str, path: str, csrf: str) -> Any:
    if method in ("GET", "HEAD"):
        return client.request(method, path)
    if path.startswith("/api/"):
        return client.request(method, path, json={}, headers={CSRF_HEADER: csrf})
    return client.request(method, path, data={"csrf_token": csrf})


def _expected_refusal(role: str, audience: Audience, method: str, path: str) -> int | None:
    """The status the gate answers with, or None when the route itself answers."""
    if audience is Audience.PUBLIC:
        return None
    if role == "anonymous":
        return 303 if method == "GET" and not path.startswith("/api/") else 401
    if audience is Audience.SIGNED_IN or audience is ROLE_AUDIENCE[role]:
        return None
    return 303 if path == "/" and method == "GET" else 403


def test_every_route_answers_each_role_as_it_should(world: World) -> None:
    requests = _requests(world.app)
    assert ("GET", "/") in requests and ("POST", "/api/session/start") in requests
    shown: dict[str, str] = {role: "" for role in ROLES}
    clients: dict[str, tuple[TestClient, str]] = {}
    counts = _row_counts(world.clinic)  # kept up to date after every request
    for method, route_path in requests:
        path = _concrete(route_path, world)
        audience = audience_of(path)
        if audience is Audience.PUBLIC:
            assert path in PUBLIC or path.startswith("/static/"), f"{path} is open to anyone"
        for role in ROLES:
            # One session per role; signing out ends it, so that route has one of its own.
            if path == "/signout":
                client, csrf = world.client(role)
            else:
                if role not in clients:
                    clients[role] = world.client(role)
                client, csrf = clients[role]
            before = counts
            response = _send(client, method, path, csrf)
            counts = _row_counts(world.clinic)
            where = f"{method} {path} as {role}"
            expected = _expected_refusal(role, audience, method, path)
            if expected is not None:
                assert response.status_code == expected, where
                if expected == 303:
                    location = response.headers["location"]
                    assert location.startswith("/signin") or location in ROLE_HOMES, where
            else:
                assert response.status_code < 500, where
            if role == "clinician_none" and expected is None and "{patient_id" in route_path:
                assert response.status_code == 404, where
            if expected is not None or response.status_code in (401, 403, 404):
                after = dict(counts)
                if path == "/signin":  # a failed sign-in is counted, for throttling
                    after["sign_in_attempts"] = before["sign_in_attempts"]
                assert after == before, f"{where} wrote something"
            body = response.text
            shown[role] += body
            for key, markers in MARKERS.items():
                if key not in SEES[role]:
                    for marker in markers:
                        assert marker not in body, f"{where} shows {marker}"
    # The pages do show each patient their own journal (so the check above can fail).
    assert MARKERS["a"][0] in shown["patient_a"] and MARKERS["b"][0] in shown["patient_b"]
    if ("GET", "/clinic/patients") in requests:  # and a clinician their own patient
        assert MARKERS["a"][3] in shown["clinician_a"]


def test_a_write_without_the_right_csrf_token_is_refused_and_writes_nothing(
    world: World,
) -> None:
    client, csrf = world.client("patient_a")
    before = _row_counts(world.clinic)
    assert client.post("/checkin", data={"pain": "2"}).status_code == 403
    assert client.post("/checkin", data={"pain": "2", "csrf_token": "forged"}).status_code == 403
    other, other_csrf = world.client("patient_b")
    assert client.post("/checkin", data={"pain": "2", "csrf_token": other_csrf}).status_code == 403
    assert client.post("/api/session/start", json={}).status_code == 403
    assert (
        client.post("/api/session/start", json={}, headers={CSRF_HEADER: "forged"}).status_code
        == 403
    )
    assert _row_counts(world.clinic) == before
    assert client.post("/checkin", data={"pain": "2", "csrf_token": csrf}).status_code == 303
    assert _row_counts(world.clinic)["checkins"] == before["checkins"] + 1
    other.close()


def test_the_live_websocket_is_only_for_a_signed_in_patient(world: World) -> None:
    sockets = [p + r.path for p, r in all_routes(world.app.routes) if isinstance(r, WebSocketRoute)]
    assert sockets == ["/ws/live"]
    for role in ROLES:
        client, _ = world.client(role)
        if role.startswith("patient"):
            with client.websocket_connect(f"/ws/live?tab={role}", headers={"origin": ORIGIN}) as ws:
                message = ws.receive_json()
                assert message["type"] == "state"
                for key, markers in MARKERS.items():
                    if key not in SEES[role]:
                        assert not any(m in str(message) for m in markers)
            continue
        before = _row_counts(world.clinic)
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/ws/live?tab=x", headers={"origin": ORIGIN}),
        ):
            pass
        assert refused.value.code == 1008, role
        assert _row_counts(world.clinic) == before


def _csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_an_invited_patient_sets_a_password_then_must_do_the_screen_first(world: World) -> None:
    doctor, doctor_csrf = world.client("clinician_a")
    made = doctor.post(
        "/clinic/invite", data={"display_name": "Charlie Newpatient", "csrf_token": doctor_csrf}
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    code_match = re.search(r'id="invite-code">([A-Z0-9-]+)<', made.text)
    assert code_match and "/invite?code=" in made.text
    code = code_match.group(1)

    browser = TestClient(world.app, base_url=ORIGIN, follow_redirects=False)
    page = browser.get(f"/invite?code={code}")
    assert page.status_code == 200 and "Dr A has invited you" in page.text
    form = {
        "code": code,
        "username": "charlie",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "csrf_token": _csrf_of(page.text),
    }
    mismatch = browser.post("/invite", data={**form, "password_again": "something else!"})
    assert mismatch.status_code == 400 and "not the same" in mismatch.text
    accepted = browser.post("/invite", data=form)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/screen"
    cookie = accepted.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test below
    other = TestClient(world.app, base_url=ORIGIN, follow_redirects=False)
    other_form = {**form, "username": "charlie2"}
    other_form["csrf_token"] = _csrf_of(other.get(f"/invite?code={code}").text)
    again = other.post("/invite", data=other_form)
    assert again.status_code == 400 and "not valid" in again.text

    # Nothing before the caution and the red-flag screen.
    assert browser.get("/").headers["location"] == "/screen"
    assert browser.get("/outcomes").headers["location"] == "/screen"
    assert browser.get("/api/plan").status_code == 403
    screen = browser.get("/screen")
    assert screen.status_code == 200
    done = browser.post("/screen", data={**screen_answers(), "csrf_token": _csrf_of(screen.text)})
    assert done.status_code == 303
    home = browser.get("/")
    assert home.status_code == 200 and "Charlie" not in MARKERS["a"][3]
    assert browser.get("/api/plan").status_code == 200

    # Signing out ends the session in the database, for every web process.
    signed_out = browser.post("/signout", data={"csrf_token": _csrf_of(home.text)})
    assert signed_out.headers["location"] == "/signin"
    assert browser.get("/").headers["location"].startswith("/signin")


def test_sign_in_on_the_page_is_throttled_and_sessions_expire(world: World) -> None:
    browser = TestClient(world.app, base_url=ORIGIN, follow_redirects=False)
    page = browser.get("/signin?next=/outcomes")
    form = {"username": "patient.a", "next": "/outcomes", "csrf_token": _csrf_of(page.text)}
    wrong = browser.post("/signin", data={**form, "password": "not the password"})
    assert wrong.status_code == 401 and "wrong" in wrong.text
    right = browser.post("/signin", data={**form, "password": PASSWORD})
    assert right.status_code == 303 and right.headers["location"] == "/outcomes"
    assert browser.get("/outcomes").status_code == 200
    elsewhere = browser.post("/signin", data={**form, "next": "//evil.example/"})
    assert elsewhere.status_code in (303, 403)
    assert "evil" not in elsewhere.headers.get("location", "")
    try:
        world.clock.moment += world.clinic.sessions.lifetime + timedelta(minutes=1)
        assert browser.get("/outcomes").headers["location"].startswith("/signin")
    finally:
        world.clock.moment = T0 + timedelta(hours=2)
    attacker = TestClient(world.app, base_url=ORIGIN, follow_redirects=False)
    page = attacker.get("/signin")
    form = {"username": "doc.b", "csrf_token": _csrf_of(page.text)}
    for _ in range(world.clinic.settings.max_failures_per_account):
        attacker.post("/signin", data={**form, "password": "guess guess guess"})
    blocked = attacker.post("/signin", data={**form, "password": PASSWORD})
    assert blocked.status_code == 401 and "Too many" in blocked.text


def test_cookies_are_secure_when_the_clinic_is_served_over_https(world: World) -> None:
    settings = world.clinic.settings.model_copy(
        update={"public_origins": ("https://clinic.example",)}
    )
    app = create_clinic_app(
        Clinic.on(world.clinic.journal, settings, now=world.clock),
        load_catalog(),
        analyze=analyze_nothing,
    )
    browser = TestClient(app, base_url="https://clinic.example", follow_redirects=False)
    page = browser.get("/signin")
    assert "Secure" in page.headers["set-cookie"]
    signed_in = browser.post(
        "/signin",
        data={"username": "admin", "password": PASSWORD, "csrf_token": _csrf_of(page.text)},
    )
    assert signed_in.headers["location"] == "/admin"
    assert "Secure" in signed_in.headers["set-cookie"]
    assert "HttpOnly" in signed_in.headers["set-cookie"]
    assert browser.get("/admin").status_code == 200
    unknown_host = TestClient(app, base_url="https://elsewhere.example").get("/signin")
    assert unknown_host.status_code == 421


def test_a_second_web_process_sees_the_same_sessions_and_throttling(world: World) -> None:
    """Two apps over two connections to the same database stand for two web processes."""
    second_clinic = Clinic.open(world.clinic.settings, now=world.clock)
    try:
        second = create_clinic_app(second_clinic, load_catalog(), analyze=analyze_nothing)
        first_browser = TestClient(world.app, base_url=ORIGIN, follow_redirects=False)
        page = first_browser.get("/signin")
        signed_in = first_browser.post(
            "/signin",
            data={"username": "patient.b", "password": PASSWORD, "csrf_token": _csrf_of(page.text)},
        )
        assert signed_in.status_code == 303
        token = first_browser.cookies[SESSION_COOKIE]
        second_browser = TestClient(second, base_url=ORIGIN, follow_redirects=False)
        second_browser.cookies.set(SESSION_COOKIE, token)
        home = second_browser.get("/")
        assert home.status_code == 200 and MARKERS["a"][0] not in home.text
        # A form rendered by one process is accepted by the other (the CSRF token is not
        # kept in memory), and signing out on one ends the session on both.
        csrf = _csrf_of(first_browser.get("/").text)
        assert second_browser.post("/signout", data={"csrf_token": csrf}).status_code == 303
        assert first_browser.get("/").headers["location"].startswith("/signin")
        # Failed sign-ins counted by one process stop the next attempt on the other.
        page = first_browser.get("/signin")
        form = {"username": "clinician.x", "csrf_token": _csrf_of(page.text)}
        for _ in range(world.clinic.settings.max_failures_per_account):
            first_browser.post("/signin", data={**form, "password": "wrong wrong wrong"})
        other = TestClient(second, base_url=ORIGIN, follow_redirects=False)
        page = other.get("/signin")
        blocked = other.post(
            "/signin", data={**form, "password": PASSWORD, "csrf_token": _csrf_of(page.text)}
        )
        assert blocked.status_code == 401 and "Too many" in blocked.text
    finally:
        second_clinic.close()
