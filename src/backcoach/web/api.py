"""The JSON API the session and upload pages call."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from backcoach import jsonio
from backcoach.errors import InputError, NotFoundError
from backcoach.web import program, uploads
from backcoach.web.api_docs import (
    VIDEO_BODY,
    CommandBody,
    FinishBody,
    PainBody,
    StartBody,
    errors,
    json_body,
)
from backcoach.web.context import context_of

router = APIRouter(prefix="/api")
RECENT_UPLOADS = 10


async def _json(request: Request) -> dict[str, Any]:
    # The body is bounded by web.limits before it is read; its nesting before it is parsed.
    try:
        data = jsonio.loads(await request.body(), "The request body")
    except ValueError as error:  # not JSON, or not UTF-8
        raise InputError("The request body must be JSON.") from error
    if not isinstance(data, dict):
        raise InputError("The request body must be a JSON object.")
    return data


@router.get("/gate", response_model=None, responses=errors(503))
async def gate(request: Request) -> dict[str, Any]:
    return program.gate(context_of(request)).to_dict()


@router.get("/plan", response_model=None, responses=errors(503))
async def plan(request: Request) -> dict[str, Any]:
    return program.todays_plan(context_of(request)).to_dict()


@router.post(
    "/session/start",
    response_model=None,
    responses=errors(400, 403, 408, 409, 413, 503),
    openapi_extra=json_body(StartBody),
)
async def start(request: Request) -> dict[str, Any] | JSONResponse:
    ctx = context_of(request)
    data = await _json(request)
    decision = program.gate(ctx)
    if not decision.allowed:
        return JSONResponse({"error": decision.reason, "gate": decision.to_dict()}, 403)
    ctx.coach.start(
        program.todays_plan(ctx),
        data.get("pain_before"),
        camera=bool(data.get("camera", True)),
    )
    return ctx.coach.state()


@router.get("/session", response_model=None, responses=errors(503))
async def state(request: Request) -> dict[str, Any]:
    ctx = context_of(request)
    ctx.coach.tick()
    return ctx.coach.state()


@router.post(
    "/session/command",
    response_model=None,
    responses=errors(400, 403, 408, 409, 413, 503),
    openapi_extra=json_body(CommandBody),
)
async def command(request: Request) -> dict[str, Any]:
    ctx = context_of(request)
    data = await _json(request)
    ctx.coach.command(str(data.get("command", "")))
    return ctx.coach.state()


@router.post(
    "/session/pain",
    response_model=None,
    responses=errors(400, 403, 408, 409, 413, 503),
    openapi_extra=json_body(PainBody),
)
async def pain(request: Request) -> dict[str, Any]:
    ctx = context_of(request)
    data = await _json(request)
    ctx.coach.report_pain(data.get("score"))
    return ctx.coach.state()


@router.post(
    "/session/finish",
    response_model=None,
    responses=errors(400, 403, 408, 409, 413, 503),
    openapi_extra=json_body(FinishBody),
)
async def finish(request: Request) -> dict[str, Any]:
    ctx = context_of(request)
    data = await _json(request)
    ctx.coach.finish(data.get("pain_after"))
    return ctx.coach.state()


@router.post(
    "/uploads",
    response_model=None,
    responses=errors(400, 404, 408, 413),
    openapi_extra=VIDEO_BODY,
)
async def upload(
    request: Request,
    filename: str | None = Query(None, description="The video's file name, for messages."),
    exercise: str | None = Query(None, description="Exercise id; recognised when absent."),
    keep: bool = Query(False, description="Keep the video after the analysis (clinic mode)."),
) -> dict[str, Any]:
    """The video is the raw request body; ``filename`` and ``exercise`` are query parameters."""
    ctx = context_of(request)
    filename = filename or "video"
    exercise_id = (exercise or "").strip() or None
    if exercise_id is not None and exercise_id not in ctx.catalog.ids:
        raise NotFoundError(f"Unknown exercise '{exercise_id}'.")
    limit = ctx.settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise uploads.too_big(limit)
    path = await uploads.receive_upload(request.stream(), filename, ctx.settings.upload_dir, limit)
    try:
        uploads.check_video(path, filename)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    # In clinic mode this stores the video in the database: not on the event loop.
    job = await run_in_threadpool(ctx.jobs.submit, path, filename, exercise_id, keep)
    return job.to_dict()


@router.get("/uploads", response_model=None)
async def recent_uploads(request: Request) -> dict[str, Any]:
    """The latest uploads and their analyses, newest first (the upload page lists them)."""
    jobs = await run_in_threadpool(context_of(request).jobs.recent, RECENT_UPLOADS)
    return {"uploads": [job.to_dict() for job in jobs]}


@router.get("/uploads/{job_id}", response_model=None, responses=errors(404))
async def upload_status(request: Request, job_id: str) -> dict[str, Any]:
    job = context_of(request).jobs.get(job_id)
    if job is None:
        raise NotFoundError(f"No analysis with id '{job_id}'.")
    return job.to_dict()
