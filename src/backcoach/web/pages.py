"""The HTML pages: screen, home (today's plan and history), session and upload."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from backcoach.analysis.engine import ANALYSIS
from backcoach.errors import InputError, SafetyStop
from backcoach.journal.outcomes_store import OutcomesStore
from backcoach.planning.gate import GateAction
from backcoach.planning.pain import validate_pain
from backcoach.planning.screening import EMERGENCY_MESSAGE, QUESTIONS, evaluate_screening
from backcoach.pose.landmarks import SKELETON_EDGES
from backcoach.reports.html import render_report_html
from backcoach.reports.measures import PSFS_EXPLAINED, psfs_due
from backcoach.reports.pdf import render_report_pdf
from backcoach.web import pose_assets, program
from backcoach.web.context import WebContext, context_of
from backcoach.web.exercise_info import exercise_info

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
FAVICON = Path(__file__).parent / "static" / "favicon.ico"

router = APIRouter()


def render(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, values, status_code=status_code)


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _blocked_page(
    request: Request, ctx: WebContext, *, today_page: bool = False
) -> Response | None:
    """The page to show instead when the safety gate does not allow a session. The Today
    page itself stays on a rest day after a pain stop: it says so instead of offering a start."""
    decision = program.gate(ctx)
    if decision.allowed or (today_page and decision.action is GateAction.REST):
        return None
    if decision.action is GateAction.SCREEN:
        return _go("/screen")
    latest = ctx.store.latest_screening()
    return render(
        request,
        "blocked.html",
        decision=decision,
        urgent=decision.action is GateAction.URGENT_CARE,
        rest=decision.action is GateAction.REST,
        emergency_message=EMERGENCY_MESSAGE,
        flags=[q.text for q in QUESTIONS if latest is not None and q.id in latest.flags],
    )


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    """Browsers ask for it on every page."""
    return FileResponse(FAVICON, media_type="image/x-icon")


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    ctx = context_of(request)
    blocked = _blocked_page(request, ctx, today_page=True)
    if blocked is not None:
        return blocked
    count, rows = program.history_summary(ctx)
    gate = program.gate(ctx)
    outcomes = OutcomesStore(ctx.store)
    return render(
        request,
        "home.html",
        plan=program.todays_plan(ctx),
        clinician_note=program.clinician_note(ctx),
        session_count=count,
        history=rows,
        active=ctx.coach.active,
        gate=gate,
        resting=gate.action is GateAction.REST and not ctx.coach.active,
        checkin_due=program.checkin_due(ctx),
        psfs_due=psfs_due(ctx.now(), outcomes.last_psfs_at()),
        psfs_named=bool(outcomes.psfs_activities()),
        psfs_explained=PSFS_EXPLAINED,
    )


@router.post("/checkin")
async def checkin(request: Request) -> Response:
    """The next-morning pain rating, which the plan uses to raise or lower the doses."""
    ctx = context_of(request)
    form = await request.form()
    score = validate_pain(str(form.get("pain", "")), what="Pain this morning")
    ctx.store.add_checkin(day=program.today(ctx), pain=score, at=ctx.now())
    return _go("/")


@router.get("/screen", response_class=HTMLResponse)
async def screen_form(request: Request) -> Response:
    ctx = context_of(request)
    return render(request, "screen.html", caution=ctx.catalog.doctor_caution, questions=QUESTIONS)


@router.post("/screen")
async def screen_submit(request: Request) -> Response:
    ctx = context_of(request)
    form = await request.form()
    missing = [q for q in QUESTIONS if form.get(q.id) not in ("yes", "no")]
    acknowledged = form.get("caution") == "yes"
    if missing or not acknowledged:
        problem = (
            "Please answer every question with yes or no."
            if missing
            else "Please confirm that you have read the caution."
        )
        return render(
            request,
            "screen.html",
            status_code=400,
            caution=ctx.catalog.doctor_caution,
            questions=QUESTIONS,
            problem=problem,
            answers={key: str(value) for key, value in form.items()},
        )
    answers = {q.id: form.get(q.id) == "yes" for q in QUESTIONS}
    result = evaluate_screening(answers)
    ctx.store.add_screening(
        answers=answers,
        outcome=result.outcome.value,
        flags=list(result.flags),
        caution_acknowledged=True,
        at=ctx.now(),
    )
    return _go("/")


@router.post("/clearance")
async def clearance(request: Request) -> Response:
    ctx = context_of(request)
    form = await request.form()
    latest = ctx.store.latest_screening()
    if latest is None:
        return _go("/screen")
    if latest.outcome != "see_doctor":
        raise SafetyStop(
            "Only a screen with see-a-doctor signs can be cleared by a clinician; "
            "emergency signs need urgent care and a new screen."
        )
    if form.get("cleared") != "yes":
        raise InputError("Tick the box to confirm that a clinician has cleared you to exercise.")
    ctx.store.record_clearance(latest.id, ctx.now())
    return _go("/")


def _browser_pose(request: Request, ctx: WebContext) -> dict[str, object]:
    """What the page needs to run pose itself. ``?pose=server`` or ``?pose=browser`` on the
    page's address fixes where pose runs (for a weak device, and for tests)."""
    asked = request.query_params.get("pose", "auto")
    directory = ctx.settings.pose_assets_dir or pose_assets.ASSETS_DIR
    return {
        "available": pose_assets.available(directory),
        "mode": asked if asked in ("auto", "browser", "server") else "auto",
        "assets": pose_assets.URL_PATH + "/",
        # The width recorded videos are posed at: at the server path's smaller frames the
        # model's points wander more, and borderline warnings differ between the paths.
        "width": ANALYSIS.max_width,
        "fps": ANALYSIS.fps,
        "min_fps": ctx.settings.browser_pose_min_fps,
    }


@router.get("/session", response_class=HTMLResponse)
async def session_page(request: Request) -> Response:
    ctx = context_of(request)
    if ctx.coach.active:
        plan = ctx.coach.plan
        assert plan is not None
        return render(
            request,
            "session.html",
            plan=plan,
            exercises=[exercise_info(ctx.catalog, item) for item in plan.items],
            edges=[list(edge) for edge in SKELETON_EDGES],
            settings=ctx.settings,
            stop_above=ctx.planning.stop_pain_above,
            pose=_browser_pose(request, ctx),
        )
    blocked = _blocked_page(request, ctx)
    if blocked is not None:
        return blocked
    return render(request, "session_start.html", plan=program.todays_plan(ctx))


@router.post("/session/start")
async def session_start(request: Request) -> Response:
    ctx = context_of(request)
    form = await request.form()
    if ctx.coach.active:
        return _go("/session")
    blocked = _blocked_page(request, ctx)
    if blocked is not None:
        return blocked
    ctx.coach.start(
        program.todays_plan(ctx),
        str(form.get("pain_before", "")),
        camera=form.get("camera") == "yes",
    )
    return _go("/session")


@router.get("/upload", response_class=HTMLResponse)
async def upload_page(request: Request) -> Response:
    ctx = context_of(request)
    return render(
        request,
        "upload.html",
        exercises=ctx.catalog.exercises,
        max_mb=ctx.settings.max_upload_mb,
        saving=ctx.settings.save_frames,
    )


def _report_day(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise InputError(f"'{name}' must be a date like 2026-11-24, not {raw!r}.") from error


@router.get("/progress", response_class=HTMLResponse)
def progress_report(request: Request) -> Response:
    """The progress report for a physiotherapist; ?from=DATE&to=DATE narrow it."""
    ctx = context_of(request)
    start = _report_day(request.query_params.get("from"), "from")
    end = _report_day(request.query_params.get("to"), "to")
    query = request.url.query
    pdf_link = "/progress.pdf" + (f"?{query}" if query else "")
    html = render_report_html(ctx.store, start, end, now=ctx.now(), nav=True, pdf_link=pdf_link)
    return HTMLResponse(html)


@router.get("/progress.pdf")
def progress_report_pdf(request: Request) -> Response:
    ctx = context_of(request)
    start = _report_day(request.query_params.get("from"), "from")
    end = _report_day(request.query_params.get("to"), "to")
    pdf = render_report_pdf(ctx.store, start, end, now=ctx.now())
    headers = {"Content-Disposition": 'attachment; filename="backcoach-report.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
