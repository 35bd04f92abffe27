"""The report upload page (a province's secretariat on Zalo, which carries no files): signed in by a one-time
link for `sec:<province>`, it takes PDF, DOC and DOCX by their content, refuses the rest with the reason, and
opens nothing else; the dashboard shows received / missing and downloads the ZIP and the final report."""
from __future__ import annotations

import io
import re
import zipfile

import docx
import openpyxl
from aiohttp import FormData
from sqlalchemy import select

from models import ProvinceReport
from models.account import ORGANIZER, STAFF
from testkit import documents

pytest_plugins = ["testkit.desk_site"]  # the `site` fixture

SECRETARIAT = "sec:gia_lai"


async def _send(desk, content: bytes, name: str, *, province: str = "gia_lai", csrf: str | None = None):
    form = FormData()
    form.add_field("csrf", desk.csrf if csrf is None else csrf)
    form.add_field("province", province)
    form.add_field("file", content, filename=name, content_type="application/octet-stream")
    async with desk.http.post(desk.site.url + "/desk/report", data=form, headers=desk.origin) as response:
        return response.status, await response.text()


def _answer(page: str) -> str:
    return re.search(r'id="report-answer"><span[^>]*>([^<]*)<', page).group(1)


async def test_a_secretariat_uploads_on_the_page_and_bad_files_are_refused(site):
    secretariat = await site.account(9300, "Thư ký Gia Lai", SECRETARIAT)
    desk = await site.client(secretariat, SECRETARIAT)  # the link leads to /desk/report
    try:
        async with desk.http.get(site.url + "/desk/report") as response:
            page = await response.text()
            assert response.status == 200 and "Gia Lai" in page and "Chưa nhận báo cáo" in page
        status, page = await _send(desk, documents.png(), "bao-cao.pdf")
        assert status == 415 and "không phải PDF hoặc Word" in _answer(page)
        status, page = await _send(desk, b"%PDF-" + b"\0" * (10 * 1024 ** 2), "lon.pdf")
        assert status == 413 and "lớn hơn 10 MB" in _answer(page)
        status, page = await _send(desk, documents.pdf(), "kon-tum.pdf", province="kon_tum")
        assert status == 403 and "thư ký của tỉnh Gia Lai" in _answer(page)
        status, page = await _send(desk, documents.pdf(), "bao-cao.pdf", csrf="forged")
        assert status == 403
        async with site.app.db.session() as session:
            assert list(await session.scalars(select(ProvinceReport))) == []

        status, page = await _send(desk, documents.docx_file(), "Báo cáo <GL>.docx")
        assert status == 200 and "Đã nhận báo cáo" in _answer(page) and "&lt;GL&gt;" in page
        async with site.app.db.session() as session:
            [stored] = list(await session.scalars(select(ProvinceReport)))
            assert (stored.province, stored.kind, stored.via, stored.file_name) == (
                "gia_lai", "docx", "web", "Báo cáo <GL>.docx")
        # the session opens the upload page only: not the desk, not the dashboard
        assert (await desk.get("/desk/api/setup"))[0] == 403
        async with desk.http.get(site.url + "/desk") as response:
            assert response.status == 401
        async with desk.http.get(site.url + "/dashboard") as response:
            assert response.status == 403
    finally:
        await desk.close()


async def test_staff_cannot_open_the_upload_page(site):
    staff = await site.client(await site.account(9301, "Lễ tân", STAFF))
    try:
        async with staff.http.get(site.url + "/desk/report") as response:
            assert response.status == 403
    finally:
        await staff.close()


async def test_the_dashboard_shows_received_and_missing_and_downloads_them(site):
    secretariat = await site.account(9302, "Thư ký Gia Lai", SECRETARIAT)
    desk = await site.client(secretariat, SECRETARIAT)
    board = await site.client(await site.account(9001, "Ban Tổ chức", ORGANIZER), ORGANIZER)
    try:
        assert (await _send(desk, documents.pdf(), "gia-lai.pdf"))[0] == 200
        status, numbers = await board.get("/dashboard/api/numbers")
        reports = {r["province"]["vi"]: r for r in numbers["reports"]}
        assert status == 200 and len(reports) == 10
        assert reports["Gia Lai"]["received"] and reports["Gia Lai"]["file"] == "gia-lai.pdf"
        assert reports["Kon Tum"]["received"] is None
        async with board.http.get(f"{site.url}/dashboard/export/reports.zip") as response:
            zipped = zipfile.ZipFile(io.BytesIO(await response.read()))
        assert zipped.read("05-gia-lai-v1.pdf") == documents.pdf()
        assert "Kon Tum: chưa nhận" in zipped.read("00-danh-sach.txt").decode()
        async with board.http.get(f"{site.url}/dashboard/export/final-report.docx") as response:
            word = docx.Document(io.BytesIO(await response.read()))
        assert word.paragraphs[0].text == "BÁO CÁO KẾT QUẢ TỔ CHỨC HỘI NGHỊ"
        async with board.http.get(f"{site.url}/dashboard/export/final-report.xlsx?lang=en") as response:
            book = openpyxl.load_workbook(io.BytesIO(await response.read()))
        assert book.sheetnames == ["Attendance", "Province reports"]
    finally:
        await desk.close()
        await board.close()
