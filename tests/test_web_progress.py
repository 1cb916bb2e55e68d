"""The progress report page of the web app, on real journals (in-process, httpx ASGI)."""

from __future__ import annotations

import io

import httpx
import pytest
from pypdf import PdfReader

from test_report_journals import build_journal
from test_web_support import ORIGIN, WebHarness, harness

pytestmark = pytest.mark.anyio
__all__ = ["harness"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def client(h: WebHarness) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=h.app), base_url=ORIGIN)


async def test_an_empty_journal_gets_a_sensible_report_page(harness: WebHarness) -> None:
    async with client(harness) as c:
        response = await c.get("/progress")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "<html" in response.text.lower() and "session" in response.text.lower()


async def test_report_page_and_pdf_show_a_real_journal(harness: WebHarness) -> None:
    build_journal(harness.store, 21)
    async with client(harness) as c:
        page = await c.get("/progress")
        pdf = await c.get("/progress.pdf", params={"from": "2026-01-01"})
        home = await c.get("/screen")
    assert page.status_code == 200
    assert page.text.count("data:image/png;base64,") >= 3  # the plots are in the page
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert len(pages) >= 2
    assert all(round(float(page.mediabox.width)) == 595 for page in pages)  # A4
    assert 'href="/progress"' in home.text  # reachable from every page's menu
    assert 'href="/progress.pdf"' in page.text and 'href="/"' in page.text


async def test_a_bad_date_is_a_clear_message_not_a_crash(harness: WebHarness) -> None:
    async with client(harness) as c:
        response = await c.get("/progress", params={"from": "last tuesday"})
    assert response.status_code == 400
    assert "2026-11-24" in response.text and "last tuesday" in response.text
