"""End to end: organizers plan the airport pick-ups and the field-visit buses with /transport (a preview, then a
confirm); each delegate is told their vehicle, time and meeting point once; a changed arrival is flagged and,
planned again, told again to that delegate only; a move by hand; the manifest read back; the role refused."""
import io
from datetime import time

import openpyxl
from sqlalchemy import select

from bot.services import transport
from models import Broadcast, Seat
from models.account import ORGANIZER
from testkit.crowd import seat_each
from testkit.desk_site import site  # noqa: F401  (the fixture)
from testkit.flows import choose_vietnamese, handled, organizer_in_english, until_button, until_text
from testkit.zalo_flows import answer, menu, seat_zalo

TRAVELLERS = [  # what differs from testkit.records.draft (by air, 26/7 10:30, reception and conference)
    {},
    {"arrival_time": "10:50", "parts": ["exchange", "conference"]},
    {"arrival_time": "14:00"},
    {"arrival_time": None},  # by air, no time: kept without a seat, named to the organizers
    {"travel_mode": "road", "parts": ["exchange"]},  # the field visit only
    {"travel_mode": "road", "parts": ["reception"]},  # nothing to arrange
]


def notices(u) -> list:
    """The transport notices a chat received (not /me's card, which shows the seats too)."""
    return [m for m in u.inbox if "Xe đưa đón do Ban Tổ chức bố trí" in m.text
            or "Transport arranged by the organizers" in m.text]


async def plan_and_confirm(org, chats: str):
    await org.send("/transport")
    await until_button(org, "🔄 Plan pick-ups and buses")
    await org.press("🔄 Plan pick-ups and buses")
    preview = await until_button(org, "✅ Confirm and notify")
    assert f"{chats} chats" in preview.text, preview.text
    await org.press("✅ Confirm and notify")
    return preview


async def test_plan_tells_each_delegate_once_and_a_changed_arrival_again(running, fake, db, conference):
    users, ids = await seat_each(db, fake, conference, TRAVELLERS, english=(1,))
    org = await organizer_in_english(fake)
    await org.send("/transport")
    assert "No transport is planned yet" in (await until_button(org, "🔄 Plan pick-ups and buses")).text
    preview = await plan_and_confirm(org, "4")
    assert "Pick-up at Liên Khương airport — Wed 26/7, 10:50 — 7-seat car no. 1 (provisional): 2/6" in preview.text
    assert "Wed 26/7, 14:00" in preview.text and "Field visit (27/7)" in preview.text
    assert "without a day or time (1): Đại biểu số 3" in preview.text
    await until_text(org, "finished:", timeout=20)
    for n in (0, 2, 4):
        assert len(notices(users[n])) == 1, (n, users[n].inbox)
    assert "Xe 7 chỗ số 1 (tạm)" in notices(users[0])[0].text and "26/7, 10:50" in notices(users[0])[0].text
    assert "Sảnh ga đến" in notices(users[0])[0].text
    english = notices(users[1])[0].text
    assert "7-seat car no. 1" in english and "Field visit (27/7)" in english and "27/7, 13:15" in english
    assert "Xe 45 chỗ số 1 (tạm)" in notices(users[4])[0].text and "Đón tại" not in notices(users[4])[0].text
    assert notices(users[3]) == [] and notices(users[5]) == []

    # the same plan again (typed as a command): nobody told twice
    await org.send("/transport plan")
    assert "0 chats" in (await until_button(org, "✅ Confirm and notify")).text
    await org.press("✅ Confirm and notify")
    await until_text(org, "Nobody's seat changed")
    await handled(running)
    assert [len(notices(u)) for u in users] == [1, 1, 1, 0, 1, 0]

    # a delegate changes the arrival in /me: told that the pick-up follows, and the organizers see it
    u = users[2]
    await u.send("/me")
    await until_button(u, "✏️ Thay đổi")
    await u.press("✏️ Thay đổi")
    await until_button(u, "Thời gian đến")
    await u.press("Thời gian đến")
    await until_button(u, "Thứ Tư 26/7")
    await u.press("Thứ Tư 26/7")
    await until_text(u, "mấy giờ")
    await u.send("16h")
    await until_button(u, "Máy bay (sân bay Liên Khương)")
    await u.press("Máy bay (sân bay Liên Khương)")
    saved = await until_text(u, "Đã lưu")
    assert "Ban Tổ chức" in saved.text and "đón" in saved.text
    await org.send("/transport")
    overview = await until_button(org, "🔄 Plan pick-ups and buses")
    assert "Đại biểu số 2's arrival changed after planning (pick-up Wed 26/7, 14:00)" in overview.text
    await plan_and_confirm(org, "1")
    await until_text(org, "finished:", timeout=20)
    await handled(running)
    assert [len(notices(u)) for u in users] == [1, 1, 2, 0, 1, 0]
    assert "26/7, 16:00" in notices(users[2])[-1].text

    # a move by hand, told to that delegate only; an unknown vehicle refused, nothing changed
    await org.send(f"/transport move #{ids[0]} bus_9")
    assert "There is no such vehicle" in (await until_text(org, "vehicle")).text
    await org.send(f"/transport move #{ids[0]} van_1")
    await until_text(org, "✅ Moved")
    await until_text(users[0], "Xe 16 chỗ số 1 (tạm)", timeout=20)
    await org.send(f"/transport move #{ids[0]} van_1")
    await until_text(org, "Nothing changed")
    await plan_and_confirm(org, "0")  # planned again: the move by hand is kept, nobody told
    await until_text(org, "Nobody's seat changed")
    await handled(running)
    assert [len(notices(u)) for u in users] == [2, 1, 2, 0, 1, 0]
    async with db.session() as session:
        assert (await session.scalar(select(Seat).where(Seat.delegate_id == ids[0]))).vehicle == "van_1"
        assert len(list(await session.scalars(select(Broadcast).where(Broadcast.kind == "transport")))) == 3

    # the manifest, read back
    await org.send("/transport")
    await until_button(org, "📥 Manifest (Excel)")
    await org.press("📥 Manifest (Excel)")
    sent = await org.messages_until(lambda m: m.kind == "document", timeout=20)
    book = openpyxl.load_workbook(io.BytesIO(sent[-1].document_bytes))
    assert book.sheetnames == ["Runs", "Airport pick-ups", "Field visit (27-7)", "Without a seat"]
    pickups = [[c.value for c in row] for row in book["Airport pick-ups"].iter_rows(min_row=2)]
    assert [(r[0].hour, r[1], r[4]) for r in pickups] == [(10, "7-seat car no. 1 (provisional)", "Đại biểu số 1"),
                                                          (10, "16-seat van no. 1 (provisional)", "Đại biểu số 0"),
                                                          (16, "7-seat car no. 1 (provisional)", "Đại biểu số 2")]
    assert pickups[2][7].hour == 16 and pickups[2][9] is None  # no remark: planned for the arrival it has
    visit = [row[4].value for row in book["Field visit (27-7)"].iter_rows(min_row=2)]
    assert sorted(visit) == ["Đại biểu số 1", "Đại biểu số 4"]
    missing = [[c.value for c in row] for row in book["Without a seat"].iter_rows(min_row=2)]
    assert [(r[2], r[5]) for r in missing] == [("Đại biểu số 3", "By air, no arrival day or time")]


async def test_transport_is_for_organizers_only(running, fake, db, conference):
    users, _ids = await seat_each(db, fake, conference, [{}])
    u = users[0]
    await u.send("/transport")
    assert "Ban Tổ chức" in (await u.next_message()).text
    await u.send("/transport move #1 van_1")
    assert "Ban Tổ chức" in (await u.next_message()).text
    forged = await u.press(callback_data="p:tr_go:yes", message=u.inbox[-1])
    assert "Ban Tổ chức" in (await u.answer_for(forged)).text
    async with db.session() as session:
        assert (await session.scalar(select(Seat))) is None
        assert (await session.scalar(select(Broadcast))) is None


async def test_dashboard_shows_the_runs_and_flags_a_changed_arrival_in_the_manifest(site):
    conference = site.app.conference
    async with site.app.db.session() as session:
        await transport.apply(session, conference, await transport.propose(session, conference))
        site.delegates[1].arrival_time = time(18, 0)
        session.add(site.delegates[1])
        await session.commit()
    board = await site.client(await site.account(9001, "Ban Tổ chức", ORGANIZER), ORGANIZER)
    try:
        status, numbers = await board.get("/dashboard/api/numbers")
        assert status == 200
        assert numbers["transport"]["runs"] == [{
            "trip": {"vi": "🛬 Sân bay Liên Khương", "en": "🛬 Liên Khương airport"}, "departs": "26/07 10:30",
            "vehicle": {"vi": "Xe 7 chỗ số 1 (tạm)", "en": "7-seat car no. 1 (provisional)"}, "people": 5, "seats": 6}]
        assert numbers["transport"]["changed"] == [{"name": site.delegates[1].full_name, "departs": "26/07 10:30"}]
        async with board.http.get(f"{site.url}/dashboard/export/transport.xlsx") as response:
            assert response.status == 200
            book = openpyxl.load_workbook(io.BytesIO(await response.read()))
        rows = {r[4].value: r[9].value for r in book["Đón sân bay"].iter_rows(min_row=2)}
        assert rows[site.delegates[1].full_name] == "Đã đổi giờ đến sau khi xếp xe"
        assert [name for name, remark in rows.items() if remark] == [site.delegates[1].full_name]
    finally:
        await board.close()


async def test_an_organizer_on_zalo_plans_by_typing_and_a_zalo_delegate_is_told(both, fake, fakezalo, db, conference):
    delegate, _account = await seat_zalo(db, fakezalo, conference, "Đại biểu Zalo", parts=["exchange"])
    inviter = fake.user(9001, first_name="Tổ chức", language_code="vi")
    await choose_vietnamese(inviter)
    await inviter.send("/invite_organizer")
    link = (await until_text(inviter, "https://t.me/")).text.split("\n")[-1]
    organizer = fakezalo.user("Ban Tổ chức Zalo")
    await answer(organizer, link, "quyền Ban Tổ chức")
    overview = await answer(organizer, "/transport", "Chưa xếp xe đưa đón")
    assert "📥" not in overview.text  # no file on Zalo: the manifest is on the dashboard
    preview = await answer(organizer, menu(overview)["🔄 Xếp xe đón và xe tham quan"], "Kế hoạch xe đưa đón")
    assert "1 cuộc trò chuyện" in preview.text
    await answer(organizer, menu(preview)["✅ Xác nhận và thông báo"], "Đã lưu kế hoạch")
    notice = await delegate.until_text("Xe đưa đón do Ban Tổ chức bố trí", timeout=20)
    assert "Đón tại Sân bay Liên Khương" in notice.text and "Tham quan thực tế (27/7)" in notice.text
    assert "<b>" not in notice.text and "Điểm hẹn" in notice.text
    card = await answer(delegate, "/me", "Đại biểu Zalo")
    assert "Xe 7 chỗ số 1 (tạm)" in card.text and "Xe 45 chỗ số 1 (tạm)" in card.text
