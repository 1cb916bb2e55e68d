"""A single-user journal (its JSON export) into the clinic as one patient's journal.

The patient's account exists first (they accepted an invite); their clinic journal must be
empty. Rows get new ids (other patients hold the old ones) and every link between rows
follows them, so nothing is lost: exporting the patient gives back the same rows.
"""

from __future__ import annotations

from pathlib import Path

from backcoach.clinic.accounts import Role
from backcoach.clinic.service import Clinic
from backcoach.errors import NotFoundError
from backcoach.reports.importer import ImportSummary, import_export, read_export


def import_journal_file(clinic: Clinic, path: Path, patient_username: str) -> ImportSummary:
    """Load the export in ``path`` into the journal of the patient ``patient_username``."""
    document = read_export(path)
    account = clinic.accounts.by_username(patient_username)
    if account is None or account.role is not Role.PATIENT:
        raise NotFoundError(
            f"There is no patient account '{patient_username}' in the clinic; invite the "
            "patient first, then import their journal into their account."
        )
    store = clinic.own_store(account)
    return import_export(store, document)
