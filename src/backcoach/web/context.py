"""Everything the web routes share, built once by ``create_app`` and kept on ``app.state``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.requests import HTTPConnection

from backcoach.catalog.schema import Catalog
from backcoach.planning.settings import Settings
from backcoach.web.live import EstimatorFactory, PlannedAnalyzerFactory, TabLock
from backcoach.web.settings import WebSettings
from backcoach.web.uploads import UploadJobs

if TYPE_CHECKING:
    from backcoach.journal.store import JournalStore
    from backcoach.web.coach import WebCoach


@dataclass
class WebContext:
    settings: WebSettings
    store: JournalStore
    catalog: Catalog
    planning: Settings
    now: Callable[[], datetime]
    coach: WebCoach
    jobs: UploadJobs
    tabs: TabLock
    estimator_factory: EstimatorFactory
    analyzer_factory: PlannedAnalyzerFactory | None


def context_of(connection: HTTPConnection | FastAPI) -> WebContext:
    """The request's own context when one was set for it (clinic mode: the signed-in
    patient's, see ``web.clinic_access``), else the app's (local mode: the one person's)."""
    if isinstance(connection, HTTPConnection):
        own = connection.scope.get("state", {}).get("backcoach")
        if isinstance(own, WebContext):
            return own
    app: Any = connection if isinstance(connection, FastAPI) else connection.app
    ctx: WebContext = app.state.backcoach
    return ctx
