"""The clinician's pages (clinic mode): their patients, and one patient's care.

Thin: the numbers and sentences come from ``clinic.overview`` and ``clinic.care``, the report
and the FHIR export from ``reports``, and every change goes through
``journal.prescriptions_store`` (which keeps the audit trail). Who may see which patient is
the clinic foundation's (``Clinic.store_for_clinician``): anyone else's patient is "not
found", whatever the route.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from backcoach.catalog.schema import Exercise
from backcoach.clinic.accounts import Account
from backcoach.clinic.care import patient_plan
from backcoach.clinic.overview import Overview, patient_overview, patient_trends
from backcoach.errors import InputError
from backcoach.journal.prescriptions_store import AuditRecord, NoteRecord, PrescriptionStore
from backcoach.journal.store import JournalStore
from backcoach.planning.plan import DoseSetter, PausedItem, PlanItem
from backcoach.planning.prescription import (
    ExercisePrescription,
    Stage,
    describe_prescription,
    stages_of,
    step_text,
)
from backcoach.reports.fhir_export import build_fhir_bundle
from backcoach.reports.html import render_report_html
from backcoach.reports.pdf import render_report_pdf
from backcoach.reports.plots import figure_png, pain_figure, psfs_figure
from backcoach.reports.report_data import ReportData
from backcoach.web import clinic_access
from backcoach.web.pages import render

router = APIRouter()

PROGRAM_START = ""  # the form's value for "the program's own start"


# -- view data --------------------------------------------------------------------------


@dataclass(frozen=True)
class PatientRow:
    account: Account
    overview: Overview
    last_session: str  # "Tue 10 Mar: stopped for pain", or "none yet"


@dataclass(frozen=True)
class ExerciseCare:
    """One exercise on the patient page: its prescription, today's plan, the form's choices."""

    exercise: Exercise
    current: ExercisePrescription | None
    described: str
    planned: PlanItem | None
    paused: PausedItem | None
    steps: tuple[tuple[str, str], ...]  # (value, label) of the starting-step choice
    stages: tuple[Stage, ...]

    @property
    def set_by_prescription(self) -> bool:
        return self.planned is not None and self.planned.set_by is DoseSetter.PRESCRIPTION


def _when(store: JournalStore, moment: datetime) -> str:
    local = store.local_time(moment)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def _last_session(store: JournalStore, overview: Overview) -> str:
    last = overview.last_session
    if last is None:
        return "none yet"
    day = store.local_date(last.started_at)
    return f"{day:%a} {day.day} {day:%b}: {last.outcome.label}"


def _exercise_care(
    exercise: Exercise,
    current: ExercisePrescription | None,
    planned: dict[str, PlanItem],
    paused: dict[str, PausedItem],
) -> ExerciseCare:
    steps = [(PROGRAM_START, "The program's own start: step 1, or the stage's first")]
    for level in range(exercise.level_count):
        text = step_text(exercise, level)
        steps.append((str(level), text[:1].upper() + text[1:]))
    return ExerciseCare(
        exercise=exercise,
        current=current,
        described=describe_prescription(exercise, current),
        planned=planned.get(exercise.id),
        paused=paused.get(exercise.id),
        steps=tuple(steps) if exercise.level_count > 1 else (),
        stages=stages_of(exercise),
    )


def _figure(key: str, title: str, data: ReportData) -> Markup:
    make = pain_figure if key == "pain" else psfs_figure
    figure = make(data)
    if figure is None:
        return Markup("")
    encoded = base64.b64encode(figure_png(figure, dpi=96)).decode("ascii")
    return Markup(
        f'<figure class="plot" data-plot="{escape(key)}"><figcaption>{escape(title)}'
        ' <span class="scroll-hint">(slide it sideways to see all of it)</span></figcaption>'
        f'<div class="plot-scroll" tabindex="0" role="region" aria-label="{escape(title)}">'
        f'<img alt="{escape(title)}" src="data:image/png;base64,{encoded}"></div></figure>'
    )


def _patient_page(
    request: Request,
    clinician: Account,
    patient_id: int,
    *,
    status_code: int = 200,
    problem: str | None = None,
    problem_exercise: str | None = None,
    saved: str | None = None,
) -> Response:
    clinic = clinic_access.clinic(request)
    patient = clinic.patient_of(clinician, patient_id)
    store = clinic.store_for_clinician(clinician, patient_id)
    now = clinic.now()
    catalog = clinic_access.catalog(request)
    settings = clinic_access.planning(request)
    care = PrescriptionStore(store)
    prescription = care.prescription()
    plan = patient_plan(store, catalog, settings, store.local_date(now))
    planned = {item.exercise_id: item for item in plan.items}
    paused = {item.exercise_id: item for item in plan.paused}
    exercises = [
        _exercise_care(e, prescription.for_exercise(e.id), planned, paused)
        for e in catalog.exercises
    ]
    trends = patient_trends(store, now=now)
    overview = patient_overview(
        store,
        now=now,
        settings=settings,
        joined_at=patient.created_at,
        looked_at=care.flags_seen_at(),
    )
    audit: list[AuditRecord] = care.audit()
    notes: list[NoteRecord] = care.notes()
    return render(
        request,
        "clinician_patient.html",
        status_code=status_code,
        patient=patient,
        overview=overview,
        trends=trends,
        sessions=list(reversed(trends.sessions)),
        pain_plot=_figure("pain", "Pain before, after and the next morning", trends),
        psfs_plot=_figure("psfs", "Everyday activities (PSFS), 0 = cannot, 10 = as before", trends),
        exercises=exercises,
        audit=audit,
        notes=notes,
        when=lambda moment: _when(store, moment),
        problem=problem,
        problem_exercise=problem_exercise,
        saved=saved,
        saved_words=SAVED_WORDS.get(saved or "", ""),
        as_of=now.isoformat(),
        csrf=clinic_access.csrf_field(request),
    )


# -- pages ------------------------------------------------------------------------------


@router.get("/clinic/patients", response_class=HTMLResponse)
def patients_page(request: Request) -> Response:
    clinician = clinic_access.clinician(request)
    clinic = clinic_access.clinic(request)
    now = clinic.now()
    settings = clinic_access.planning(request)
    rows = []
    for patient in clinic.accounts.patients_of(clinician.id):
        store = clinic.store_for_clinician(clinician, patient.id)
        overview = patient_overview(
            store,
            now=now,
            settings=settings,
            joined_at=patient.created_at,
            looked_at=PrescriptionStore(store).flags_seen_at(),
        )
        rows.append(PatientRow(patient, overview, _last_session(store, overview)))
    rows.sort(key=lambda row: (not row.overview.needs_a_look, row.account.display_name.casefold()))
    return render(
        request,
        "clinician_patients.html",
        rows=rows,
        clinician=clinician,
        csrf=clinic_access.csrf_field(request),
    )


@router.get("/clinic/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: int) -> Response:
    clinician = clinic_access.clinician(request)
    saved = request.query_params.get("saved")
    return _patient_page(
        request, clinician, patient_id, saved=saved if saved in SAVED_WORDS else None
    )


SAVED_WORDS = {
    "prescription": "The prescription is saved.",
    "note": "The note is saved.",
    "seen": "Marked as looked at; new flags will show here again.",
}


@router.get("/clinic/patients/{patient_id}/report", response_class=HTMLResponse)
def patient_report(request: Request, patient_id: int) -> Response:
    clinician = clinic_access.clinician(request)
    clinic = clinic_access.clinic(request)
    store = clinic.store_for_clinician(clinician, patient_id)
    return HTMLResponse(render_report_html(store, None, None, now=clinic.now()))


@router.get("/clinic/patients/{patient_id}/report.pdf")
def patient_report_pdf(request: Request, patient_id: int) -> Response:
    clinician = clinic_access.clinician(request)
    clinic = clinic_access.clinic(request)
    store = clinic.store_for_clinician(clinician, patient_id)
    pdf = render_report_pdf(store, None, None, now=clinic.now())
    headers = {"Content-Disposition": 'attachment; filename="progress-report.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/clinic/patients/{patient_id}/fhir.json")
def patient_fhir(request: Request, patient_id: int) -> Response:
    clinician = clinic_access.clinician(request)
    clinic = clinic_access.clinic(request)
    store = clinic.store_for_clinician(clinician, patient_id)
    bundle = build_fhir_bundle(store, now=clinic.now())
    headers = {"Content-Disposition": 'attachment; filename="patient-fhir-bundle.json"'}
    return Response(
        json.dumps(bundle, indent=2), media_type="application/fhir+json", headers=headers
    )


def _form_text(form: Any, key: str) -> str:
    value = form.get(key, "")
    return value if isinstance(value, str) else ""


@router.post("/clinic/patients/{patient_id}/prescription")
async def change_prescription(request: Request, patient_id: int) -> Response:
    clinician = clinic_access.clinician(request)
    form = await request.form()
    await clinic_access.check_csrf(request, form)
    clinic = clinic_access.clinic(request)
    store = clinic.store_for_clinician(clinician, patient_id)
    catalog = clinic_access.catalog(request)
    exercise_id = _form_text(form, "exercise")
    try:
        if exercise_id not in catalog.ids:
            raise InputError("Choose one of the program's exercises.")
        exercise = catalog.get(exercise_id)
        raw_step = _form_text(form, "start_step").strip()
        if raw_step and not raw_step.isdigit():
            raise InputError("Choose the starting step from the list.")
        stage = _form_text(form, "stage").strip() or None
        PrescriptionStore(store).change(
            exercise,
            start_level=int(raw_step) if raw_step else None,
            stage=stage,
            paused=_form_text(form, "paused") == "yes",
            author_id=clinician.id,
            why=_form_text(form, "why"),
            at=clinic.now(),
        )
    except InputError as error:
        return _patient_page(
            request,
            clinician,
            patient_id,
            status_code=400,
            problem=str(error),
            problem_exercise=exercise_id,
        )
    return RedirectResponse(
        f"/clinic/patients/{patient_id}?saved=prescription#care", status_code=303
    )


@router.post("/clinic/patients/{patient_id}/note")
async def write_note(request: Request, patient_id: int) -> Response:
    clinician = clinic_access.clinician(request)
    form = await request.form()
    await clinic_access.check_csrf(request, form)
    clinic = clinic_access.clinic(request)
    store = clinic.store_for_clinician(clinician, patient_id)
    try:
        PrescriptionStore(store).add_note(
            _form_text(form, "note"), author_id=clinician.id, at=clinic.now()
        )
    except InputError as error:
        return _patient_page(
            request,
            clinician,
            patient_id,
            status_code=400,
            problem=str(error),
            problem_exercise="note",
        )
    return RedirectResponse(f"/clinic/patients/{patient_id}?saved=note#note", status_code=303)


@router.post("/clinic/patients/{patient_id}/flags-seen")
async def flags_seen(request: Request, patient_id: int) -> Response:
    """The clinician has looked at the flags the page showed (as of ``as_of``, so a flag that
    arrived after the page was drawn still needs a look)."""
    clinician = clinic_access.clinician(request)
    form = await request.form()
    await clinic_access.check_csrf(request, form)
    clinic = clinic_access.clinic(request)
    patient = clinic.patient_of(clinician, patient_id)
    store = clinic.store_for_clinician(clinician, patient_id)
    care = PrescriptionStore(store)
    try:
        try:
            shown_at = datetime.fromisoformat(_form_text(form, "as_of"))
        except ValueError:
            raise InputError(OUT_OF_DATE_PAGE) from None
        if shown_at.tzinfo is None:
            raise InputError(OUT_OF_DATE_PAGE)
        until = min(shown_at, clinic.now())
        overview = patient_overview(
            store,
            now=until,
            settings=clinic_access.planning(request),
            joined_at=patient.created_at,
            looked_at=care.flags_seen_at(),
        )
        care.mark_flags_seen(
            [flag.sentence for flag in overview.flags], author_id=clinician.id, at=until
        )
    except InputError as error:
        return _patient_page(
            request,
            clinician,
            patient_id,
            status_code=400,
            problem=str(error),
            problem_exercise="flags",
        )
    return RedirectResponse(f"/clinic/patients/{patient_id}?saved=seen#flags", status_code=303)


OUT_OF_DATE_PAGE = "The page was out of date; reload it and try again."
