"""The host's Zalo OA in end-to-end tests: the bot (Telegram and the OA together) on the fakes."""
from __future__ import annotations

from testkit.fakezalo_oa import FakeOa, FakeOaUser, OaMessage


def connect_oa(settings, fake, fakeoa: FakeOa) -> None:
    """Telegram on its fake; the OA's API, OAuth and ZNS on the fake OA (tokens as the host pastes them)."""
    settings.telegram_api_url, settings.telegram_bot_token = fake.base_url, fake.token
    settings.zalo_oa_app_id, settings.zalo_oa_app_secret = fakeoa.app_id, fakeoa.app_secret
    settings.zalo_oa_secret_key = fakeoa.oa_secret_key
    settings.zalo_oa_access_token, settings.zalo_oa_refresh_token = fakeoa.access_token, fakeoa.refresh_token
    settings.zalo_oa_api_url = settings.zalo_oa_oauth_url = settings.zalo_oa_zns_url = fakeoa.base_url
    settings.zalo_send_rate_per_second = 0
    settings.use_webhook = False  # Telegram polls; the OA has only its webhook


def webhook_of(settings) -> str:
    return f"{settings.public_base_url}/zalo-oa/webhook"


def options(message: OaMessage) -> list[str]:
    return [b["title"] for b in message.buttons]


async def register_with_buttons(u: FakeOaUser, *, name: str = "Trần Văn OA") -> OaMessage:
    """A follower says hello and registers: the menus pressed as buttons, the number shared by the card."""
    await u.send("Xin chào")
    await u.until("Chọn ngôn ngữ")
    await u.press("🇻🇳 Tiếng Việt")
    await u.until("Đăng ký cho bản thân")
    await u.press("📝 Đăng ký cho bản thân")
    await u.until("tỉnh/đơn vị nào")
    await u.send("Lâm Đồng")
    await u.until("thành phần")
    await u.send("thuong truc hdnd tinh")
    await u.until("Họ và tên")
    await u.send(name)
    await u.until("0905 123 456")
    card = await u.next_message()
    assert card.kind == "request"  # the OA's "share your information" card
    await u.share_phone()
    await u.until("Chức vụ?")
    await u.send("Phó Chủ tịch")
    await u.until("Xong")
    await u.send("1, 3")
    await u.until("Thứ Tư 26/7")
    await u.send("thu tu 26/7 14h30")
    await u.until("Máy bay")
    await u.send("may bay")
    await u.until("bố trí")
    await u.send("co")
    await u.until("rời Đà Lạt")  # lodging: the departure, then the room
    await u.send("28/7 14:00")
    await u.until("Phòng đơn")
    await u.send("phong don")
    review = await u.until("Xác nhận")
    # the review has six choices (Ông/Bà among them), more than an OA message's buttons: a numbered list
    assert not review.buttons and "1. ✅ Xác nhận" in review.text
    await u.send("1")
    return await u.until("Đã đăng ký")


async def seat_oa(db, fakeoa: FakeOa, conference, name: str, *, phone: str, wrote_hours_ago: float,
                  lang: str = "vi") -> FakeOaUser:
    """A follower of the OA who registered and last wrote `wrote_hours_ago` hours ago (written straight to the
    database, as the bridge would have left it)."""
    import time
    from datetime import datetime, timedelta, timezone

    from bot.services import registration as reg
    from bot.services.accounts import get_or_create_account
    from models import ZaloId, ZaloOaContact
    from models.zalo import BASE
    from testkit.records import draft

    u = fakeoa.user(phone=phone.lstrip("+"))
    u.last_interaction = time.time() - wrote_hours_ago * 3600
    async with db.session() as session:
        row = ZaloId(zalo_id=f"oa:{u.id}")
        session.add(row)
        session.add(ZaloOaContact(zalo_id=u.id, last_message_at=datetime.now(timezone.utc) - timedelta(
            hours=wrote_hours_ago)))
        await session.commit()
        internal = str(BASE + row.id)
        account = await get_or_create_account(session, channel="zalo_oa", user_id=internal, chat_id=internal,
                                              display_name=name)
        account.language = lang
        await reg.register(session, conference, draft(full_name=name, phone=phone), registrant=account,
                           for_self=True)
    return u


async def leave_unhandled(db, event: dict, *, seconds_ago: float = 600) -> int:
    """An event as a process killed between its acknowledgement and its handling leaves it in the journal:
    stored whole, "received", taken `seconds_ago` seconds ago; its id."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from bot.channels.zalo_oa.journal import Journal
    from bot.channels.zalo_oa.updates import event_key
    from models import ZaloOaEvent

    event_id = await Journal(db).take(event_key(event), event)
    assert event_id is not None, "an event already stored"
    then = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
    async with db.session() as session:
        await session.execute(update(ZaloOaEvent).where(ZaloOaEvent.id == event_id).values(
            received_at=then, taken_at=then))
        await session.commit()
    return event_id


async def journal_states(db) -> list[str]:
    """The journal's events' states, in the order they came."""
    from sqlalchemy import select

    from models import ZaloOaEvent

    async with db.session() as session:
        return list((await session.scalars(select(ZaloOaEvent.state).order_by(ZaloOaEvent.id))).all())
