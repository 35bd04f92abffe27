"""The printed papers, read back: the badges' text and the QR codes decoded from their rendered pages (the
current code after a change), the sign-in sheets, the MC's list in protocol order, /badges and /mc for
organizers only, and a signed sheet ticked in at the desk page, counted once with the other check-ins."""
from __future__ import annotations

from sqlalchemy import select, update

from bot.event import load_event
from bot.screens.papers import grid
from bot.screens.callbacks import Pick
from bot.services import checkin, papers, tickets
from models import Account, CheckIn, Delegate
from models.account import ORGANIZER, STAFF
from testkit.desk_site import seat
from testkit.event_file import broken_event_file
from testkit.flows import until_text
from testkit.papers import pdf_codes, pdf_pages
from testkit.paths import EVENT_FILE

pytest_plugins = ["testkit.desk_site"]  # the `site` fixture

MORE = [  # beside testkit.desk_site.PEOPLE: the centre, the host's guests and leaders, the press
    ("Đặng Quốc Khánh", "central", "central_board_staff", "+84912345010"),
    ("Hoàng Thị Lan", "central", "central_council", "+84912345011"),
    ("Bùi Văn Hải", "lam_dong", "ubnd_leader", "+84912345012"),
    ("Đinh Thị Mai", "lam_dong", "party_standing", "+84912345013"),
    ("Lý Phóng Viên", "lam_dong", "press", "+84912345014"),
    ("Ngô Văn Tùng", "binh_dinh", "emulation_board", "+84912345015"),
]


async def _check_in(site, names: list[str], part: str = "conference") -> None:
    async with site.app.db.session() as session:
        staff = await session.scalar(select(Account).where(Account.display_name == "Lễ tân 1"))
        for d in await session.scalars(select(Delegate).where(Delegate.full_name.in_(names))):
            assert (await checkin.check_in(session, d, part, staff, "desk")).outcome == checkin.CHECKED_IN


def test_the_badge_card_fits_a_standard_holder_ten_to_a_sheet():
    conference = load_event(EVENT_FILE)
    assert (conference.badge.width_mm, conference.badge.height_mm) == (86, 54)
    assert grid(86, 54) == (2, 5) and grid(100, 70) == (1, 3)


def test_an_organizer_names_the_badges_scope_in_words_or_by_number():
    conference = load_event(EVENT_FILE)
    assert papers.scope_from(conference, "") == papers.Scope(papers.ALL)
    assert papers.scope_from(conference, "tất cả") == papers.Scope(papers.ALL)
    assert papers.scope_from(conference, "gia lai") == papers.Scope(papers.PROVINCE, "gia_lai")
    assert papers.scope_from(conference, "Daklak") == papers.Scope(papers.PROVINCE, "dak_lak")
    assert papers.scope_from(conference, "press") == papers.Scope(papers.CATEGORY, "press")
    assert papers.scope_from(conference, "phong vien") == papers.Scope(papers.CATEGORY, "press")
    assert papers.scope_from(conference, "Lãnh đạo Sở Nội vụ") == papers.Scope(papers.CATEGORY, "home_affairs_leader")
    assert papers.scope_from(conference, tickets.checkin_number(427)) == papers.Scope(papers.DELEGATE, "427")
    assert papers.scope_from(conference, "Hà Nội") is None


async def test_badges_carry_the_current_code_and_the_words_on_them(site, fake):
    gia_lai = site.delegates[0]
    async with site.app.db.session() as session:  # the code was replaced (a change): the reprint has the new one
        await session.execute(update(Delegate).where(Delegate.id == gia_lai.id).values(ticket_version=2))
        await session.commit()
        gia_lai = await session.get(Delegate, gia_lai.id)
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi", started=True)  # ADMIN_IDS
    await organizer.send("/badges Gia Lai")
    sent = await organizer.messages_until(lambda m: m.kind == "document", timeout=60)
    assert "1 thẻ đại biểu" in sent[-1].text
    data = sent[-1].document_bytes
    assert pdf_codes(data) == [[site.deep_link(gia_lai)]]
    ticket = tickets.read(site.settings.secret_key, site.app.conference.id, tickets.find_token(site.deep_link(gia_lai)))
    assert ticket.version == 2
    text = pdf_pages(data)[0]
    for words in ("Lê <Văn> & Co", "Gia Lai", "Văn phòng UBND tỉnh (thi đua)".upper(),
                  tickets.checkin_number(gia_lai.id)):
        assert words in text, words
    assert "Trần Thị Bích" not in text


async def test_all_badges_are_every_confirmed_delegate_each_with_their_code(site, fake):
    organizer = fake.user(9001, first_name="Tổ chức", language_code="en", started=True)
    await organizer.send("/badges")
    await until_text(organizer, "/badges all")
    await organizer.press("🪪 All delegates")
    data = (await organizer.messages_until(lambda m: m.kind == "document", timeout=60))[-1].document_bytes
    codes = [c for page in pdf_codes(data) for c in page]
    assert sorted(codes) == sorted(site.deep_link(d) for d in site.delegates)
    assert "Provincial PC Office (emulation)".upper() in pdf_pages(data)[0]  # the organizer's language


async def test_a_non_organizer_is_refused_politely(site, fake):
    await site.account(9100, "Lễ tân 1", STAFF)
    staff = fake.user(9100, first_name="Lễ tân 1", language_code="vi", started=True)
    for command in ("/badges all", "/mc"):
        await staff.send(command)
        answer = await staff.next_message()
        assert answer.kind == "text" and "dành cho Ban Tổ chức" in answer.text
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi", started=True)
    await organizer.send("/badges Hà Nội")
    assert "không phải tên tỉnh" in (await organizer.next_message()).text
    await organizer.send("/badges")
    menu = await until_text(organizer, "Thẻ đại biểu để in")
    pressed = await staff.press(callback_data=Pick(step="badges", key="all").pack(), message=menu)  # forwarded
    assert "dành cho Ban Tổ chức" in (await staff.answer_for(pressed)).text


async def test_the_mc_reads_those_checked_in_in_protocol_order(site, fake):
    await seat(site.app, MORE)
    await site.account(9100, "Lễ tân 1", STAFF)
    everyone = [p[0] for p in MORE] + ["Lê <Văn> & Co", "Trần Thị Bích", "Nguyễn Văn An", "Võ Thị Hồng"]
    await _check_in(site, everyone)
    await _check_in(site, ["Phạm Minh Đức"], part="reception")  # not at the opening: not introduced
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi", started=True)
    await organizer.send("/mc")
    message = await until_text(organizer, "Giới thiệu đại biểu")
    text = message.text
    read = [line.split(". ", 1)[1].split(" — ")[0] for line in text.splitlines() if line[:1].isdigit()]
    assert read == ["Đồng chí Hoàng Thị Lan", "Đồng chí Đặng Quốc Khánh",  # the centre, by rank
                    "Đồng chí Đinh Thị Mai", "Đồng chí Bùi Văn Hải", "Đồng chí Nguyễn Văn An",  # the host
                    "Đồng chí Trần Thị Bích", "Đồng chí Ngô Văn Tùng",  # Bình Định, the leader first
                    "Đồng chí Võ Thị Hồng", "Đồng chí Lê <Văn> & Co"]  # Đắk Lắk, Gia Lai: the plan's order
    assert "Lê &lt;Văn&gt; &amp; Co" in message.html and "Phóng Viên" not in text
    assert "Phạm Minh Đức" not in text and "1. Đồng chí Hoàng Thị Lan — " in text


async def test_the_mc_page_refreshes_and_the_dashboard_prints(site):
    await site.account(9100, "Lễ tân 1", STAFF)
    await _check_in(site, ["Trần Thị Bích"])
    organizer = await site.account(9001, "Tổ chức", ORGANIZER)
    staff = await site.client(await site.account(9100, "Lễ tân 1", STAFF))
    desk = await site.client(organizer, ORGANIZER)
    try:
        async with desk.http.get(site.url + "/dashboard/mc") as response:
            page = await response.text()
        assert response.status == 200 and 'data-reload="15"' in page and "Đồng chí Trần Thị Bích" in page
        async with desk.http.get(site.url + "/dashboard/papers/sign-in.pdf?list=conference&province=binh_dinh") as r:
            assert r.status == 200 and r.content_type == "application/pdf"
            text = "\n".join(pdf_pages(await r.read()))
        assert "DANH SÁCH ĐẠI BIỂU KÝ TÊN" in text and "Ký tên" in text and "Trần Thị Bích" in text
        assert "Bình Định" in text and "Nguyễn Văn An" not in text
        async with desk.http.get(site.url + "/dashboard/papers/badges.pdf?scope=category:ubnd_office&lang=en") as r:
            codes = [c for p in pdf_codes(await r.read()) for c in p]
        assert sorted(codes) == sorted(site.deep_link(d) for d in site.delegates if d.category == "ubnd_office")
        number = tickets.checkin_number(site.delegates[1].id)
        async with desk.http.get(site.url + f"/dashboard/papers/badges.pdf?number={number}") as r:
            assert pdf_codes(await r.read()) == [[site.deep_link(site.delegates[1])]]
        wrong = number[:-1] + str((int(number[-1]) + 1) % 10)  # a mistyped check digit finds nobody
        async with desk.http.get(site.url + f"/dashboard/papers/badges.pdf?number={wrong}") as r:
            assert r.status == 404 and "không có thẻ nào để in" in await r.text()
        async with staff.http.get(site.url + "/dashboard/papers/badges.pdf") as r:
            assert r.status == 403
        async with staff.http.get(site.url + "/dashboard/mc") as r:
            assert r.status == 403 and "Trần Thị Bích" not in await r.text()
    finally:
        await desk.close()
        await staff.close()


async def _sheet(desk, query: str) -> str:
    async with desk.http.get(desk.site.url + "/desk/sheet?" + query) as response:
        assert response.status == 200
        return await response.text()


async def test_a_signed_sheet_is_ticked_in_at_the_desk_and_counted_once(site):
    staff = await site.client(await site.account(9100, "Lễ tân 1", STAFF))
    bich, an = site.delegates[1], site.delegates[2]
    try:
        await _check_in(site, ["Trần Thị Bích"])  # scanned at the desk before the network failed
        page = await _sheet(staff, "list=conference")
        assert f'value="{bich.id}" checked disabled' in page and f'value="{an.id}" id=' in page
        assert "Lê &lt;Văn&gt; &amp; Co" in page
        form = {"csrf": staff.csrf, "list": "conference", "province": "", "delegate": [str(bich.id), str(an.id)]}
        async with staff.http.post(site.url + "/desk/sheet", data=form, headers=staff.origin,
                                   allow_redirects=False) as response:
            assert response.status == 303 and "entered=1" in response.headers["Location"]
        async with staff.http.post(site.url + "/desk/sheet", data=form, headers=staff.origin,
                                   allow_redirects=False) as response:  # sent twice: nothing doubled
            assert "entered=0" in response.headers["Location"]
        async with site.app.db.session() as session:
            rows = (await session.execute(select(CheckIn.delegate_id, CheckIn.via).where(
                CheckIn.part_code == "conference"))).all()
        assert sorted(rows) == sorted([(bich.id, "desk"), (an.id, "sheet")])
        status, setup = await staff.get("/desk/api/setup")
        assert setup["counts"]["conference"][0] == 2
        async with staff.http.post(site.url + "/desk/sheet", data={**form, "csrf": "forged"}, headers=staff.origin,
                                   allow_redirects=False) as response:
            assert response.status == 403
        assert f'value="{an.id}" checked disabled' in await _sheet(staff, "list=conference&province=lam_dong")
    finally:
        await staff.close()


def test_an_introduction_naming_what_the_file_lacks_is_refused(tmp_path):
    def wrong(field: str, value):
        return lambda d: d["introduction"].update({field: value})

    assert "introduction.provinces.1: unknown province 'hanoi'" in broken_event_file(
        tmp_path, wrong("provinces", ["central", "hanoi"]))
    assert "introduction.ranks.0: unknown category 'mayor'" in broken_event_file(tmp_path, wrong("ranks", ["mayor"]))
    assert "introduction.part: unknown part 'gala'" in broken_event_file(tmp_path, wrong("part", "gala"))
    assert "badge.width_mm" in broken_event_file(tmp_path, lambda d: d["badge"].update(width_mm=300))


async def test_a_long_mc_list_comes_in_several_messages_in_order(site, fake):
    many = [(f"Đại biểu Thứ {n:03d}", "quang_nam", "emulation_board", f"+849123{n:05d}") for n in range(150)]
    await seat(site.app, many)
    await site.account(9100, "Lễ tân 1", STAFF)
    await _check_in(site, [m[0] for m in many])
    organizer = fake.user(9001, first_name="Tổ chức", language_code="vi", started=True)
    await organizer.send("/mc")
    sent = await organizer.messages_until(lambda m: "Đại biểu Thứ 149" in m.text, timeout=20)
    assert len(sent) >= 3 and all(len(m.text) <= 4096 for m in sent)
    numbers = [int(line.split(".")[0]) for m in sent for line in m.text.splitlines() if line[:1].isdigit()]
    assert numbers == list(range(1, 151))
