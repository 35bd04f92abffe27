"""End to end on Zalo, which carries no files: a province's secretariat gets, with /report, a one-time link to
the upload page and sends the report there; organizers on Zalo are pointed to the dashboard for the files."""
from __future__ import annotations

import re

from aiohttp import ClientSession, CookieJar, FormData
from sqlalchemy import select

from models import ProvinceReport
from testkit import documents
from testkit.flows import choose_vietnamese, until_button, until_text
from testkit.zalo_flows import answer


async def test_a_zalo_secretariat_uploads_on_the_page_from_its_link(both, fake, fakezalo, settings, db):
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi")
    await choose_vietnamese(organizer)
    await organizer.send("/invite_secretariat")
    await until_button(organizer, "Gia Lai")
    await organizer.press("Gia Lai")
    link = (await until_text(organizer, "https://t.me/")).text.split("\n")[-1]
    secretariat = fakezalo.user("Thư ký Gia Lai")
    await answer(secretariat, link, "/import")

    message = await answer(secretariat, "/report", "/desk/login/")
    assert "Gia Lai" in message.text
    login = message.text.split("\n")[-1]
    origin = {"Origin": settings.public_base_url}
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as http:
        async with http.post(login, headers=origin, allow_redirects=False) as response:
            assert response.status == 303 and response.headers["Location"] == "/desk/report"
        async with http.get(settings.public_base_url + "/desk/report") as response:
            page = await response.text()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        form = FormData()
        form.add_field("csrf", csrf)
        form.add_field("province", "gia_lai")
        form.add_field("file", documents.pdf(), filename="bao-cao-gia-lai.pdf", content_type="application/pdf")
        async with http.post(settings.public_base_url + "/desk/report", data=form, headers=origin) as response:
            assert response.status == 200 and "Đã nhận báo cáo" in await response.text()
    async with db.session() as session:
        [stored] = list(await session.scalars(select(ProvinceReport)))
    assert (stored.province, stored.via, stored.content) == ("gia_lai", "web", documents.pdf())

    assert "Kon Tum" in (await answer(secretariat, "/report Kon Tum", "Xin lỗi")).text  # not theirs, on Zalo too
