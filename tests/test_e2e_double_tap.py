"""End to end: a button pressed two or three times before the bot answered (a double tap, a slow network)
does its work once. The presses of one chat are handled one at a time, in order; the repeats get a short
"already done" and nothing else."""
import asyncio

from sqlalchemy import func, select

from models import AgendaChange, Broadcast, Nominee, OutboxMessage
from testkit.crowd import seat
from testkit.flows import (broadcast_to_everyone, cancel_part, choose_vietnamese, delegates, organizer_in_english,
                           register_by_buttons, tapped_together, until_button, until_text)
from tests.test_nominees import BAD, xlsx
from tests.test_webhook import post, web_bot  # noqa: F401 (a fixture)

FAULT = "hệ thống vừa gặp sự cố"  # bot/infra/webhook.py's notice
EXPIRED = "hết hạn"


async def count(db, model, *where) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_three_presses_on_confirm_store_one_registration_with_one_code(running, fake, db):
    u = fake.user(1101, first_name="Lan", language_code="vi")
    await choose_vietnamese(u)
    review = await register_by_buttons(u, confirm=False)
    seen = len(u.inbox)
    answers = await tapped_together(running, u, "✅ Xác nhận", review, times=3)

    assert len(await delegates(db)) == 1
    after = u.inbox[seen:]
    assert [m.kind for m in after].count("photo") == 1  # one QR code
    assert sum("đăng ký đã được xác nhận" in m.text for m in after) == 1  # one confirmation
    assert not any(FAULT in m.text or EXPIRED in m.text for m in after), after
    repeats = [a.text for a in answers if a.text]
    assert repeats == ["Đăng ký này đã được xác nhận."] * 2, answers


TYPED_UNTIL_REVIEW = ["/start", "1", "gia lai", "2", "Nguyen Van An", "0905 123 456", "Chanh Van phong", "1, 3",
                      "thu tu 26/7 9am", "by road", "no"]  # English from Telegram; the organization suggested


async def test_webhook_three_presses_posted_at_once_store_one_registration(web_bot, fake, db):
    """Telegram's webhook sends a chat's updates one by one, but an update sent again (bot/infra/webhook.py) or a
    second process may overlap with the next: the presses are taken in turn here too."""
    u = fake.user(1102, first_name="An", language_code="en")
    for text in TYPED_UNTIL_REVIEW:
        update = await u.send(text)
        fake.updates.confirm(update["update_id"])  # posted by the test, in place of Telegram
        assert await post(web_bot, update) == 200
    review = next(m for m in reversed(u.inbox) if "✅ Confirm" in m.buttons)
    seen = len(u.inbox)
    presses = await u.press_together("✅ Confirm", times=3, message=review)
    for press in presses:
        fake.updates.confirm(press["update_id"])
    assert await asyncio.gather(*[post(web_bot, press) for press in presses]) == [200] * 3

    assert len(await delegates(db)) == 1
    after = u.inbox[seen:]
    assert [m.kind for m in after].count("photo") == 1
    assert sum("your registration is confirmed" in m.text for m in after) == 1
    answers = [await u.answer_for(press) for press in presses]
    assert [a.text for a in answers if a.text] == ["This registration is already confirmed."] * 2


async def test_a_double_tap_on_send_now_broadcasts_once(running, fake, db, conference):
    users = await seat(db, fake, conference, 3)
    org = await organizer_in_english(fake)
    preview = await broadcast_to_everyone(org, "Xe đưa đón lúc 07:15")
    seen = len(org.inbox)
    answers = await tapped_together(running, org, "✅ Send now", preview, until="finished:")

    assert await count(db, Broadcast) == 1 and await count(db, OutboxMessage) == 3
    assert all(sum("Xe đưa đón" in m.text for m in u.inbox) == 1 for u in users)
    after = org.inbox[seen:]
    assert sum(m.text.startswith("📣 Broadcast #") for m in after) == 1  # one progress message
    assert not any("expired" in m.text or "not sent" in m.text for m in after), after
    assert [a.text for a in answers if a.text] == ["This broadcast is already being sent."]


async def test_a_double_tap_on_confirm_changes_the_agenda_once(running, fake, db, conference):
    users = await seat(db, fake, conference, 2)
    org = await organizer_in_english(fake)
    confirm = await cancel_part(org, "Reception of delegates")
    seen = len(org.inbox)
    answers = await tapped_together(running, org, "✅ Confirm and notify", confirm, until="finished:")

    assert await count(db, AgendaChange) == 1 and await count(db, Broadcast) == 1
    assert all(sum("đã bị hủy" in m.text for m in u.inbox) == 1 for u in users)
    after = org.inbox[seen:]
    assert sum("The agenda is changed" in m.text for m in after) == 1
    assert not any("expired" in m.text or "not changed" in m.text for m in after), after
    assert [a.text for a in answers if a.text] == ["This agenda change is already made."]


async def test_a_double_tap_on_import_imports_the_list_once(running, fake, db):
    org = await organizer_in_english(fake)
    await org.send("/import")
    await until_text(org, ".xlsx")
    await org.send_document(xlsx(BAD), "danh-sach-kon-tum.xlsx")
    report = await until_button(org, "Import only the 2 valid rows", timeout=10)
    answers = await tapped_together(running, org, "Import only the 2 valid rows", report)

    assert await count(db, Nominee) == 2
    assert sum(m.kind == "document" and "Imported 2 people" in m.text for m in org.inbox) == 1
    assert not any("Nothing was imported" in m.text or "expired" in m.text for m in org.inbox)
    assert [a.text for a in answers if a.text] == ["This list is already imported."]


async def test_a_double_tap_on_cancelling_a_registration_answers_the_second_tap_in_a_word(
        running, fake, db, conference):
    [u] = await seat(db, fake, conference, 1)
    await u.send("/me")
    await until_button(u, "🗑 Hủy đăng ký này")
    await u.press("🗑 Hủy đăng ký này")
    question = await until_button(u, "Có, hủy đăng ký")
    seen = len(u.inbox)
    answers = await tapped_together(running, u, "Có, hủy đăng ký", question)

    assert not (await delegates(db))[0].active
    after = u.inbox[seen:]
    assert sum("Đã hủy đăng ký" in m.text for m in after) == 1
    assert not any(EXPIRED in m.text for m in after), after
    assert [a.text for a in answers if a.text] == ["Đăng ký này đã được hủy."]
