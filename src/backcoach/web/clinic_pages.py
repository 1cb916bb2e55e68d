"""The clinic app's own pages: sign-in and sign-out, accepting an invite, the
administrator's accounts page and the clinician's invite page.

Thin: the rules are in ``backcoach.clinic``; who may open each page is decided by the gate
in ``web.clinic_access`` before a route runs (and each route asks for its account again).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backcoach.clinic.accounts import Role
from backcoach.clinic.invites import INVALID_INVITE
from backcoach.clinic.passwords import MIN_PASSWORD_LENGTH
from backcoach.clinic.service import SignInRefused
from backcoach.errors import InputError, NotFoundError
from backcoach.web import clinic_access
from backcoach.web.clinic_access import ROLE_HOME, SESSION_COOKIE, cookie_header
from backcoach.web.pages import render

router = APIRouter()


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _text(form: Any, key: str) -> str:
    value = form.get(key, "")
    return value if isinstance(value, str) else ""


def _safe_next(raw: str) -> str | None:
    """A local path to return to after signing in, never another site."""
    parts = urlsplit(raw)
    if not raw.startswith("/") or raw.startswith("//") or parts.scheme or parts.netloc:
        return None
    return raw


def _signed_in(request: Request, token: str, target: str) -> Response:
    response = _go(target)
    lifetime = int(clinic_access.clinic(request).sessions.lifetime.total_seconds())
    response.headers.append(
        "set-cookie", cookie_header(request, SESSION_COOKIE, token, max_age=lifetime)
    )
    return response


# -- signing in and out ---------------------------------------------------------------------


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    account = clinic_access.current_account(request)
    if account is not None:
        return _go(ROLE_HOME[account.role])
    return render(request, "clinic_signin.html", next=request.query_params.get("next", ""))


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await request.form()
    clinic = clinic_access.clinic(request)
    username = _text(form, "username")
    address = request.client.host if request.client else "unknown"
    try:
        account, token = clinic.sign_in(username, _text(form, "password"), address)
    except SignInRefused as error:
        return render(
            request,
            "clinic_signin.html",
            status_code=401,
            problem=str(error),
            username=username,
            next=_text(form, "next"),
        )
    target = _safe_next(_text(form, "next")) if account.role is Role.PATIENT else None
    return _signed_in(request, token, target or ROLE_HOME[account.role])


@router.post("/signout")
def signout(request: Request) -> Response:
    clinic_access.clinic(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    response = _go("/signin")
    response.headers.append("set-cookie", cookie_header(request, SESSION_COOKIE, "", max_age=0))
    return response


# -- invites ------------------------------------------------------------------------------


@router.get("/invite", response_class=HTMLResponse)
def invite_page(request: Request) -> Response:
    code = request.query_params.get("code", "")
    clinic = clinic_access.clinic(request)
    pending = clinic.invites.pending(code, clinic.now()) if code else None
    return render(
        request,
        "clinic_invite.html",
        code=code,
        pending=pending,
        problem=INVALID_INVITE if code and pending is None else None,
        min_password=MIN_PASSWORD_LENGTH,
    )


@router.post("/invite")
async def accept_invite(request: Request) -> Response:
    form = await request.form()
    clinic = clinic_access.clinic(request)
    code = _text(form, "code")
    username = _text(form, "username")
    try:
        if _text(form, "password") != _text(form, "password_again"):
            raise InputError("The two passwords are not the same; type them again.")
        account = clinic.invites.accept(
            code, username=username, password=_text(form, "password"), now=clinic.now()
        )
    except InputError as error:
        return render(
            request,
            "clinic_invite.html",
            status_code=400,
            code=code,
            pending=clinic.invites.pending(code, clinic.now()),
            problem=str(error),
            username=username,
            min_password=MIN_PASSWORD_LENGTH,
        )
    token = clinic.sessions.start(account, clinic.now())
    # The caution and the red-flag screen come before anything else (the gate sees to it).
    return _signed_in(request, token, "/screen")


# -- the administrator: clinicians --------------------------------------------------------


def _admin_page(request: Request, status_code: int = 200, **values: Any) -> Response:
    administrator = clinic_access.administrator(request)
    clinic = clinic_access.clinic(request)
    return render(
        request,
        "clinic_admin.html",
        status_code=status_code,
        me=administrator,
        clinicians=clinic.accounts.all(Role.CLINICIAN),
        administrators=clinic.accounts.all(Role.ADMINISTRATOR),
        patient_count=clinic.accounts.count(Role.PATIENT),
        min_password=MIN_PASSWORD_LENGTH,
        **values,
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    return _admin_page(request, created=request.query_params.get("created"))


@router.post("/admin/clinicians")
async def create_clinician(request: Request) -> Response:
    clinic_access.administrator(request)
    form = await request.form()
    clinic = clinic_access.clinic(request)
    try:
        account = clinic.accounts.create(
            username=_text(form, "username"),
            password=_text(form, "password"),
            role=Role.CLINICIAN,
            display_name=_text(form, "display_name"),
            at=clinic.now(),
        )
    except (InputError, NotFoundError) as error:
        return _admin_page(request, status_code=400, problem=str(error), form=dict(form))
    return _go(f"/admin?created={account.username}")


# -- the clinician: inviting a patient ----------------------------------------------------


@router.get("/clinic/invite", response_class=HTMLResponse)
def clinician_invite_page(request: Request) -> Response:
    clinician = clinic_access.clinician(request)
    return render(request, "clinic_new_invite.html", me=clinician, invite=None)


@router.post("/clinic/invite", response_class=HTMLResponse)
async def clinician_invite(request: Request) -> Response:
    clinician = clinic_access.clinician(request)
    form = await request.form()
    clinic = clinic_access.clinic(request)
    try:
        invite = clinic.invites.create(clinician, _text(form, "display_name"), clinic.now())
    except InputError as error:
        return render(
            request,
            "clinic_new_invite.html",
            status_code=400,
            me=clinician,
            invite=None,
            problem=str(error),
        )
    link = str(request.url_for("invite_page").include_query_params(code=invite.code))
    response = render(
        request,
        "clinic_new_invite.html",
        me=clinician,
        invite=invite,
        link=link,
        expires=clinic.journal.local_time(invite.expires_at),
    )
    response.headers["Cache-Control"] = "no-store"  # the code is shown once
    return response
