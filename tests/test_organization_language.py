"""A suggested organization is stored in the event's own language (Vietnamese), so an English registrant's
record reads like everyone else's in the secretariat's roster; the person sees it in their own language, and
each export is in the language of whoever exports it. What a person typed stays as they typed it."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from bot.services import exports, registration as reg
from bot.services.accounts import get_or_create_account
from handlers import steps
from models import Delegate
from testkit.flows import TYPED_REGISTRATION, delegates, until_seen
from testkit.records import draft

CENTRAL_VI, CENTRAL_EN = "Ban Thi đua - Khen thưởng Trung ương", "Central Emulation and Commendation Committee"


def test_the_suggestion_taken_in_english_is_stored_in_vietnamese(conference):
    person = reg.Draft(province="central", category="central_board_leader")
    assert steps.read_pick("organization", "default", person, conference, "en") == CENTRAL_VI
    assert conference.organization_in(CENTRAL_VI, "central", "en") == CENTRAL_EN
    assert conference.organization_in(CENTRAL_EN, "central", "vi") == CENTRAL_VI  # a record stored before
    assert conference.organization_in("Sở Tài chính", "central", "en") == "Sở Tài chính"  # typed: as typed
    gia_lai = conference.organization_in("Office of the People's Committee of Gia Lai", "gia_lai", "vi")
    assert gia_lai == "Văn phòng UBND tỉnh Gia Lai"


async def test_an_english_registrant_sees_english_and_the_record_holds_vietnamese(running, fake, db, conference):
    u = fake.user(34000, first_name="An", language_code="en")
    review = None
    for typed, expected in TYPED_REGISTRATION:  # "1" at the organization step takes the suggestion
        await u.send(typed)
        seen = await until_seen(u, expected)
        review = seen if expected == "Please check" else review
    [record] = await delegates(db)
    vi, en = (conference.default_organization(record.category, record.province, lang) for lang in ("vi", "en"))
    assert record.organization == vi != en
    assert en in review.text and vi not in review.text


async def test_exports_are_in_the_exporting_persons_language(db, conference):
    async with db.session() as session:
        account = await get_or_create_account(session, channel="telegram", user_id="1", chat_id="1")
        for name, organization in (("Suggested Before", CENTRAL_EN), ("Suggested Now", CENTRAL_VI),
                                   ("Typed", "Sở Tài chính")):
            await reg.register(session, conference, draft(full_name=name, province="central",
                                                          category="central_board_leader", organization=organization),
                               registrant=account, for_self=False)
        assert len((await session.scalars(select(Delegate))).all()) == 3
        tables = {lang: list(csv.DictReader(io.StringIO(
            (await exports.delegates_csv(session, conference, personal=True, lang=lang)).decode("utf-8-sig"))))
            for lang in ("vi", "en")}
    name, organization = {"vi": "Họ và tên", "en": "Full name"}, {"vi": "Cơ quan/đơn vị", "en": "Organization"}
    by_name = {lang: {row[name[lang]]: row[organization[lang]] for row in rows} for lang, rows in tables.items()}
    assert by_name["vi"] == {"Suggested Before": CENTRAL_VI, "Suggested Now": CENTRAL_VI, "Typed": "Sở Tài chính"}
    assert by_name["en"] == {"Suggested Before": CENTRAL_EN, "Suggested Now": CENTRAL_EN, "Typed": "Sở Tài chính"}
