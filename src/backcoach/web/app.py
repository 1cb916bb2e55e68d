"""The web coach's FastAPI app factory: settings, journal store and catalog are passed in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.requests import ClientDisconnect

from backcoach.catalog.schema import Catalog
from backcoach.errors import (
    BackcoachError,
    InputError,
    JournalError,
    NotFoundError,
    SafetyStop,
    WrongState,
)
from backcoach.planning.settings import Settings
from backcoach.player.clock import Clock, ScaledClock
from backcoach.web import api, live_route, outcomes, pages, pose_assets
from backcoach.web.coach import WebCoach
from backcoach.web.context import WebContext
from backcoach.web.guard import make_guard
from backcoach.web.limits import MAX_FORM_BYTES, BodyLimit
from backcoach.web.live import EstimatorFactory, PlannedAnalyzerFactory, TabLock
from backcoach.web.settings import WebSettings
from backcoach.web.uploads import AnalysisJobs, AnalyzeFn

if TYPE_CHECKING:
    from backcoach.journal.store import JournalStore
    from backcoach.pose.estimator import PoseEstimator

STATIC_DIR = Path(__file__).parent / "static"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def default_estimator_factory(settings: WebSettings) -> EstimatorFactory:
    def make() -> PoseEstimator:
        from backcoach.pose.mediapipe_backend import MediaPipePoseEstimator

        return MediaPipePoseEstimator(
            model_complexity=settings.model_complexity, people_every=settings.people_every
        )

    return make


def default_analyzer_factory() -> PlannedAnalyzerFactory:
    from backcoach.analysis.registry import make_analyzer

    return make_analyzer


def _status_for(error: BackcoachError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, SafetyStop):
        return 403
    if isinstance(error, JournalError):
        return 503
    if isinstance(error, WrongState):
        return 409
    if isinstance(error, InputError) and "larger than the limit" in str(error):
        return 413
    return 400


def create_app(
    settings: WebSettings,
    store: JournalStore,
    catalog: Catalog,
    *,
    planning: Settings | None = None,
    clock: Clock | None = None,
    now: Callable[[], datetime] = _utc_now,
    estimator_factory: EstimatorFactory | None = None,
    analyzer_factory: PlannedAnalyzerFactory | None = None,
    analyze: AnalyzeFn | None = None,
) -> FastAPI:
    """Build the web coach. Tests pass fakes for the clock, the time and the pose parts."""
    planning = planning or Settings()
    clock = clock or ScaledClock()
    if analyze is None:
        from backcoach.web.report import analyze_upload

        analyze = analyze_upload
    jobs = AnalysisJobs(analyze, settings.save_dir if settings.save_frames else None)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    app = FastAPI(title="backcoach", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.backcoach = WebContext(
        settings=settings,
        store=store,
        catalog=catalog,
        planning=planning,
        now=now,
        coach=WebCoach(store, catalog, planning, clock, now),
        jobs=jobs,
        tabs=TabLock(),
        estimator_factory=estimator_factory or default_estimator_factory(settings),
        analyzer_factory=analyzer_factory or default_analyzer_factory(),
    )

    @app.exception_handler(BackcoachError)
    async def backcoach_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, BackcoachError)
        status = _status_for(error)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(error)}, status_code=status)
        return pages.render(request, "error.html", status_code=status, message=str(error))

    @app.exception_handler(ClientDisconnect)
    async def client_gone(_request: Request, _error: Exception) -> Response:
        # The browser went away mid-request (a closed tab, a cancelled upload): nothing to
        # answer and nothing wrong with the coach, so no traceback in the log.
        return Response(status_code=400)

    app.middleware("http")(make_guard(settings))

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Any]) -> Any:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    app.add_middleware(
        BodyLimit,
        limit_for=lambda path: None if path == "/api/uploads" else MAX_FORM_BYTES,
    )
    # The OpenAPI schema describes the JSON API; the HTML pages and their forms are not one.
    app.include_router(pages.router, include_in_schema=False)
    app.include_router(outcomes.router, include_in_schema=False)
    app.include_router(api.router)
    app.include_router(live_route.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    assets = settings.pose_assets_dir or pose_assets.ASSETS_DIR
    app.mount(pose_assets.URL_PATH, pose_assets.PoseAssets(directory=assets, check_dir=False))
    return app
