"""The clinic app factory: the web coach for many patients and their clinicians.

It is the single-user app (``web.app.create_app``) on the clinic database, with the clinic's
own pages and ``ClinicGate`` in front of everything: sign-in from a database-held session,
role-based access to every route and the live WebSocket, CSRF tokens on every write, and a
journal store kept to the signed-in patient per request. Settings come from
``ClinicSettings``; ``backcoach serve --clinic`` builds it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.middleware.base import BaseHTTPMiddleware

from backcoach.catalog.schema import Catalog
from backcoach.clinic.service import Clinic
from backcoach.planning.settings import Settings
from backcoach.player.clock import Clock, ScaledClock
from backcoach.web import clinic_pages, clinician
from backcoach.web.app import create_app
from backcoach.web.clinic_access import ClinicGate, PatientCoaches, SignInRequired
from backcoach.web.context import context_of
from backcoach.web.guard import make_guard
from backcoach.web.live import EstimatorFactory, PlannedAnalyzerFactory
from backcoach.web.settings import WebSettings
from backcoach.web.uploads import AnalysisJobs, AnalyzeFn, UploadJobs


def web_settings_of(
    clinic: Clinic, host: str, port: int, tls: bool = False, pose_assets_dir: Path | None = None
) -> WebSettings:
    """The web coach's settings from the clinic's (hosts, origins, uploads) and where it
    listens."""
    settings = clinic.settings
    public_hosts = tuple(urlsplit(origin).hostname or "" for origin in settings.public_origins)
    return WebSettings(
        host=host,
        port=port,
        max_upload_mb=settings.max_upload_mb,
        allowed_hosts=tuple(dict.fromkeys((*settings.allowed_hosts, *public_hosts))),
        allowed_origins=settings.public_origins,
        save_frames=False,  # a clinic keeps no frames or videos
        tls=tls,
        pose_assets_dir=pose_assets_dir,
    )


def create_clinic_app(
    clinic: Clinic,
    catalog: Catalog,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    planning: Settings | None = None,
    clock: Clock | None = None,
    now: Callable[[], datetime] | None = None,
    estimator_factory: EstimatorFactory | None = None,
    analyzer_factory: PlannedAnalyzerFactory | None = None,
    analyze: AnalyzeFn | None = None,
    uploads_for: Callable[[int], UploadJobs] | None = None,
    tls: bool = False,
    pose_assets_dir: Path | None = None,
) -> FastAPI:
    """Build the clinic app over an open ``Clinic``. Tests pass fakes for the pose parts.

    ``uploads_for(patient_id)``: where a patient's uploaded videos go (the job queue in
    ``serve --clinic``); by default they are analysed in this process, one at a time.
    """
    settings = web_settings_of(clinic, host, port, tls, pose_assets_dir)
    clock = clock or ScaledClock()
    if analyze is None:
        from backcoach.web.report import analyze_upload

        analyze = analyze_upload
    app = create_app(
        settings,
        clinic.journal,  # only ever reached through a patient's scoped store, see the gate
        catalog,
        planning=planning,
        clock=clock,
        now=now or clinic.now,
        estimator_factory=estimator_factory,
        analyzer_factory=analyzer_factory,
        analyze=analyze,
    )
    app.state.clinic = clinic
    if uploads_for is None:
        in_process = analyze

        def uploads_for(_patient_id: int) -> UploadJobs:
            return AnalysisJobs(in_process, None)

    app.state.patient_coaches = PatientCoaches(context_of(app), clock, uploads_for)
    app.router.add_event_handler("shutdown", app.state.patient_coaches.shutdown)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, error: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(error)}, status_code=401)
        return RedirectResponse("/signin", status_code=303)

    app.include_router(clinic_pages.router, include_in_schema=False)
    app.include_router(clinician.router, include_in_schema=False)
    # Outermost first: unknown host names are refused before the gate looks anyone up.
    app.add_middleware(ClinicGate)
    app.add_middleware(BaseHTTPMiddleware, dispatch=make_guard(settings))
    return app
