"""The exported bundle is valid FHIR R4 (4.0.1) too, checked with SMART's fhirclient models.

The bundle is built with fhir.resources' R4B classes (fhir.resources 8 ships R4B, R5 and STU3;
its last exact-R4 release needs pydantic 1). fhirclient's models are generated from FHIR 4.0.1
and, in strict mode, refuse any element R4 does not define, so they catch an R4B-only field.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fhirclient.models.bundle import Bundle as R4Bundle
from fhirclient.models.fhirabstractbase import FHIRValidationError

from backcoach.reports.fhir_export import build_fhir_bundle
from test_report_journals import START, build_journal, open_store


def _full_bundle(tmp_path: Path) -> dict[str, Any]:
    store = open_store(tmp_path / "journal.sqlite3")
    try:
        build_journal(store, 30, seed=7)  # sessions, pain, PSFS, questionnaire totals
        return build_fhir_bundle(store, now=START + timedelta(days=40))
    finally:
        store.close()


def test_every_resource_of_a_full_export_is_valid_r4(tmp_path: Path) -> None:
    document = json.loads(json.dumps(_full_bundle(tmp_path)))
    bundle = R4Bundle(document, strict=True)  # raises on anything R4 does not allow
    kinds = {entry.resource.resource_type for entry in bundle.entry}
    assert {"Patient", "Observation", "QuestionnaireResponse", "CarePlan"} <= kinds
    assert bundle.type == "collection"
    assert len(bundle.entry) == len(document["entry"])


def test_the_r4_check_refuses_an_element_r4_does_not_have(tmp_path: Path) -> None:
    document = json.loads(json.dumps(_full_bundle(tmp_path)))
    document["entry"][0]["resource"]["notAnR4Element"] = True
    with pytest.raises(FHIRValidationError):
        R4Bundle(document, strict=True)
