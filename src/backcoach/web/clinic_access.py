"""Who may use which page of the clinic app: the gate every request passes, and helpers.

Deny by default. ``ClinicGate`` (a pure ASGI middleware, so the live WebSocket passes it
too) looks up the signed-in account from the session cookie in the database, then lets a
request through only when its path's audience (:func:`audience_of`) matches the account's
role; any other path is a patient's page. It also refuses every write (any method but
GET/HEAD/OPTIONS) whose CSRF token is wrong, before any route runs, and keeps a patient
who has not yet done the caution and red-flag screen to the screen.

For a signed-in patient it puts a per-request ``WebContext`` with the journal store kept to
that patient in the request's state, which ``web.context.context_of`` returns, so the
single-user pages serve the patient unchanged. Nothing about a person is kept in the web
process between requests except the running guided session (see ``PatientCoaches``).

Routes use :func:`patient`, :func:`clinician`, :func:`administrator` (the account, already
checked by the gate; they check again), :func:`clinic` and :func:`csrf_field` for forms.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, MutableMapping
from enum import Enum
from typing import Any
from urllib.parse import parse_qs, quote

from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backcoach.catalog.schema import Catalog
from backcoach.clinic.accounts import Account, Role
from backcoach.clinic.service import Clinic
from backcoach.clinic.tokens import new_token, same, signed
from backcoach.errors import SafetyStop
from backcoach.planning.settings import Settings
from backcoach.player.clock import Clock
from backcoach.web.coach import WebCoach
from backcoach.web.context import WebContext
from backcoach.web.limits import MAX_FORM_BYTES
from backcoach.web.live import TabLock
from backcoach.web.uploads import UploadJobs

SESSION_COOKIE = "backcoach_session"
PRE_SESSION_COOKIE = "backcoach_presession"  # binds CSRF tokens of the sign-in forms
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OUT_OF_DATE = "The form was out of date; reload the page and try again."
CLOSE_POLICY = 1008  # WebSocket close code: refused by policy

STATE_ACCOUNT = "clinic_account"
STATE_CSRF = "csrf_token"
STATE_CONTEXT = "backcoach"  # what web.context.context_of looks for first

PUBLIC_PATHS = frozenset({"/signin", "/invite", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
SIGNED_IN_PATHS = frozenset({"/signout"})
SCREEN_PATHS = frozenset({"/screen", "/signout"})


class Audience(Enum):
    PUBLIC = "anyone"
    SIGNED_IN = "anyone signed in"
    PATIENT = "patients"
    CLINICIAN = "clinicians"
    ADMINISTRATOR = "administrators"


ROLE_AUDIENCE = {
    Role.PATIENT: Audience.PATIENT,
    Role.CLINICIAN: Audience.CLINICIAN,
    Role.ADMINISTRATOR: Audience.ADMINISTRATOR,
}
ROLE_HOME = {
    Role.PATIENT: "/",
    Role.CLINICIAN: "/clinic/patients",
    Role.ADMINISTRATOR: "/admin",
}


def audience_of(path: str) -> Audience:
    """Who a path is for. Anything not named here is a patient's page (deny by default)."""
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return Audience.PUBLIC
    if path in SIGNED_IN_PATHS:
        return Audience.SIGNED_IN
    if path == "/admin" or path.startswith("/admin/"):
        return Audience.ADMINISTRATOR
    if path == "/clinic" or path.startswith("/clinic/"):
        return Audience.CLINICIAN
    return Audience.PATIENT


class Refused(SafetyStop):
    """The signed-in account may not use this page (answered 403)."""


class SignInRequired(SafetyStop):
    """Nobody is signed in (pages redirect to the sign-in page; the API answers 401)."""


# -- what routes call ---------------------------------------------------------------------


def clinic(connection: HTTPConnection) -> Clinic:
    found: Clinic = connection.app.state.clinic
    return found


def catalog(connection: HTTPConnection) -> Catalog:
    found: Catalog = connection.app.state.backcoach.catalog
    return found


def planning(connection: HTTPConnection) -> Settings:
    found: Settings = connection.app.state.backcoach.planning
    return found


def current_account(connection: HTTPConnection) -> Account | None:
    """The signed-in account (the gate looked it up), or None."""
    account = connection.scope.get("state", {}).get(STATE_ACCOUNT)
    return account if isinstance(account, Account) else None


def _require(connection: HTTPConnection, role: Role) -> Account:
    account = current_account(connection)
    if account is None:
        raise SignInRequired("Please sign in.")
    if account.role is not role:
        raise Refused(f"This page is for {ROLE_AUDIENCE[role].value}.")
    return account


def patient(connection: HTTPConnection) -> Account:
    return _require(connection, Role.PATIENT)


def clinician(connection: HTTPConnection) -> Account:
    return _require(connection, Role.CLINICIAN)


def administrator(connection: HTTPConnection) -> Account:
    return _require(connection, Role.ADMINISTRATOR)


def csrf_token(connection: HTTPConnection) -> str:
    return str(connection.scope.get("state", {}).get(STATE_CSRF, ""))


def csrf_field(connection: HTTPConnection) -> Markup:
    """The hidden form field every form of the clinic app carries."""
    return Markup(
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf_token(connection))}">'
    )


async def check_csrf(request: Request, form: Any = None) -> None:
    """The gate already refused writes with a wrong token; this says so again in a route."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER) or (
        str(form.get(CSRF_FIELD, "")) if form is not None else ""
    )
    if not given or not same(given, csrf_token(request)):
        raise Refused(OUT_OF_DATE)


# -- the running guided sessions ------------------------------------------------------------


class PatientCoaches:
    """Each patient's guided session, live-coach tab lock and uploads, made on first use.

    ``uploads_for(patient_id)`` gives a patient's uploads: the clinic's job queue
    (``web.clinic_uploads.QueuedUploads``, what ``serve --clinic`` uses), or analysis in
    this process (``AnalysisJobs``, the default for tests).

    The one thing the web tier holds in memory per person: a session in progress is a state
    machine ticking on this process's clock (everything it does is written to the journal as
    it happens). With several web processes, route each patient to one process (e.g. by the
    session cookie); a session interrupted by a restart is closed as interrupted, as in
    local mode.
    """

    def __init__(
        self, base: WebContext, clock: Clock, uploads_for: Callable[[int], UploadJobs]
    ) -> None:
        self._base = base
        self._clock = clock
        self._uploads_for = uploads_for
        self._lock = threading.Lock()
        self._contexts: dict[int, WebContext] = {}

    def context_for(self, clinic_: Clinic, account: Account) -> WebContext:
        with self._lock:
            found = self._contexts.get(account.id)
            if found is None:
                base = self._base
                store = clinic_.own_store(account)
                found = dataclasses.replace(
                    base,
                    store=store,
                    coach=WebCoach(store, base.catalog, base.planning, self._clock, base.now),
                    jobs=self._uploads_for(account.id),
                    tabs=TabLock(),
                )
                self._contexts[account.id] = found
            return found

    def shutdown(self) -> None:
        with self._lock:
            for context in self._contexts.values():
                context.jobs.shutdown()
            self._contexts.clear()


# -- the gate -------------------------------------------------------------------------------


class ClinicGate:
    """Signs each request in from its cookie and lets it through only where it may go."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        the_clinic = clinic(connection)
        state: MutableMapping[str, Any] = scope.setdefault("state", {})
        token = connection.cookies.get(SESSION_COOKIE)
        account = await run_in_threadpool(the_clinic.sessions.account_for, token, the_clinic.now())
        state[STATE_ACCOUNT] = account
        send = self._with_pre_session(connection, state, account, token, send)

        path = scope["path"]
        audience = audience_of(path)
        refusal = self._refusal(audience, account, path, scope)
        patient_page = audience is Audience.PATIENT or path in SCREEN_PATHS
        if refusal is None and account is not None and account.is_patient and patient_page:
            refusal = await self._patient_context(connection, state, the_clinic, account)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        method = scope.get("method", "GET")
        if scope["type"] == "http" and method not in SAFE_METHODS:
            checked = await _checked_body(scope, receive, str(state.get(STATE_CSRF, "")))
            if checked is None:
                await _refuse(scope, 403, OUT_OF_DATE)(scope, receive, send)
                return
            receive = checked
        await self.app(scope, receive, send)

    def _with_pre_session(
        self,
        connection: HTTPConnection,
        state: MutableMapping[str, Any],
        account: Account | None,
        token: str | None,
        send: Send,
    ) -> Send:
        """Bind CSRF tokens to the session, or before sign-in to a pre-session cookie."""
        secret = clinic(connection).settings.secret
        if account is not None and token:
            state[STATE_CSRF] = signed(secret, "csrf:" + token)
            return send
        pre = connection.cookies.get(PRE_SESSION_COOKIE)
        fresh = not pre
        pre = pre or new_token()
        state[STATE_CSRF] = signed(secret, "csrf:pre:" + pre)
        if not fresh or connection.scope["type"] != "http":
            return send
        cookie = cookie_header(connection, PRE_SESSION_COOKIE, pre, max_age=None)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode())]
            await send(message)

        return send_with_cookie

    @staticmethod
    def _refusal(
        audience: Audience, account: Account | None, path: str, scope: Scope
    ) -> ASGIApp | None:
        if audience is Audience.PUBLIC:
            return None
        if account is None:
            if scope["type"] == "http" and scope.get("method") == "GET" and not _is_api(path):
                query = scope.get("query_string", b"").decode("latin-1")
                target = path + (f"?{query}" if query else "")
                return _redirect(f"/signin?next={quote(target, safe='')}")
            return _refuse(scope, 401, "Please sign in.")
        if audience is Audience.SIGNED_IN or audience is ROLE_AUDIENCE[account.role]:
            return None
        if path == "/" and scope["type"] == "http":
            return _redirect(ROLE_HOME[account.role])
        return _refuse(scope, 403, f"This page is for {audience.value}.")

    @staticmethod
    async def _patient_context(
        connection: HTTPConnection,
        state: MutableMapping[str, Any],
        the_clinic: Clinic,
        account: Account,
    ) -> ASGIApp | None:
        coaches: PatientCoaches = connection.app.state.patient_coaches
        context = coaches.context_for(the_clinic, account)
        state[STATE_CONTEXT] = context
        path = connection.scope["path"]
        if path in SCREEN_PATHS:
            return None
        screened = await run_in_threadpool(context.store.latest_screening)
        if screened is not None:
            return None
        if connection.scope["type"] == "http" and not _is_api(path):
            return _redirect("/screen")
        return _refuse(
            connection.scope, 403, "Please read the caution and answer the screen first."
        )


def cookie_header(connection: HTTPConnection, name: str, value: str, *, max_age: int | None) -> str:
    """A ``Set-Cookie`` value: HttpOnly, SameSite=Lax, Secure when the clinic is on https."""
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if clinic(connection).settings.cookie_secure:
        parts.append("Secure")
    return "; ".join(parts)


def _is_api(path: str) -> bool:
    return path.startswith("/api/")


def _redirect(location: str) -> ASGIApp:
    async def app(_scope: Scope, _receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", location.encode("latin-1"))],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    return app


def _refuse(scope: Scope, status: int, message: str) -> ASGIApp:
    async def app(_scope: Scope, _receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": CLOSE_POLICY})
            return
        if _is_api(scope["path"]):
            body = json.dumps({"error": message}).encode()
            content_type = b"application/json"
        else:
            body = _refusal_page(status, message).encode()
            content_type = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def _refusal_page(status: int, message: str) -> str:
    action = (
        '<a href="/signin">Sign in</a>'
        if status == 401
        else '<a href="/">Go to your start page</a>'
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="/static/style.css"><title>backcoach</title></head>'
        f'<body><main class="page"><h1>{escape(message)}</h1><p>{action}</p></main></body></html>'
    )


async def _checked_body(scope: Scope, receive: Receive, expected: str) -> Receive | None:
    """A ``receive`` that replays the body when the write carries the right CSRF token.

    JSON and file bodies carry it in the ``X-CSRF-Token`` header (read without the body);
    forms in the ``csrf_token`` field, so a form's body (at most ``MAX_FORM_BYTES``) is read
    here and handed on unchanged.
    """
    headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
    given = headers.get(CSRF_HEADER)
    if given is not None:
        return receive if expected and same(given, expected) else None
    if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    fields = parse_qs(body.decode("latin-1"), keep_blank_values=True)
    given_field = (fields.get(CSRF_FIELD) or [""])[0]
    if not expected or not given_field or not same(given_field, expected):
        return None
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
