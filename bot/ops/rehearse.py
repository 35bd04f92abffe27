"""`python -m bot rehearse --delegates 200`: fill the practice database (bot/practice/, PRACTICE_DATABASE_URL)
with plausible delegates across the event file's provinces and categories, so the dashboard, /stats and
the exports show a realistic conference; `--reset` wipes the practice database first (alone: only wipes).
It never touches DATABASE_URL, the real event's database."""
from __future__ import annotations

import argparse
import asyncio
import random
import sys
from pathlib import Path

from bot.config import Settings
from bot.event import Event, load_event

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai", "Tạ", "Lương"]
MIDDLE = {"m": ["Văn", "Minh", "Quốc", "Đức", "Hữu", "Công", "Thanh", "Ngọc"],
          "f": ["Thị", "Ngọc", "Thanh", "Thu", "Kim", "Hồng", "Mỹ", "Bích"]}
GIVEN = {"m": ["An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khoa", "Long", "Nam", "Phong", "Quang", "Sơn",
               "Tâm", "Thành", "Trung", "Tuấn", "Việt", "Vinh"],
         "f": ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
               "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Yến"]}
POSITIONS = ["Chủ tịch", "Phó Chủ tịch", "Chánh Văn phòng", "Phó Chánh Văn phòng", "Giám đốc", "Phó Giám đốc",
             "Trưởng ban", "Phó Trưởng ban", "Trưởng phòng", "Phó Trưởng phòng", "Chuyên viên chính", "Chuyên viên"]
MOBILE_PREFIXES = ["90", "91", "93", "94", "96", "97", "98", "86", "88", "89", "32", "33", "34", "35", "70",
                   "76", "77", "78", "79", "81", "82", "83", "84", "85"]
SECRETARIAT_IDS = 9100000  # the provinces' secretariats who "registered" them: accounts with no chat
CHECKED_IN_SHARE = 0.35  # of a part's delegates, checked in on its list


def person_name(rng: random.Random) -> str:
    sex = rng.choice("mf")
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"


def phone_number(rng: random.Random, taken: set[str]) -> str:
    while (number := f"+84{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}") in taken:
        pass
    taken.add(number)
    return number


def draft_for(event: Event, rng: random.Random, taken: set[str]):
    from bot.services.registration import Draft

    province = rng.choice(event.provinces)
    category = rng.choice(event.categories_for(province.code))
    codes = [part.code for part in event.parts]
    chosen = sorted(rng.sample(codes, rng.randint(1, len(codes))), key=codes.index)
    organization = (event.default_organization(category.code, province.code, "vi")
                    or f"{category.name.get('vi')} {province.name.get('vi')}")
    return Draft(province=province.code, category=category.code, full_name=person_name(rng),
                 position=rng.choice(POSITIONS), organization=organization[:256], phone=phone_number(rng, taken),
                 parts=chosen, arrival_date=rng.choice(event.arrival_days()).isoformat(),
                 arrival_time=f"{rng.randint(6, 20):02d}:{rng.choice([0, 15, 30, 45]):02d}",
                 travel_mode=rng.choice(event.travel_modes).code, needs_lodging=rng.random() < 0.7, note="")


async def secretariat(session, event: Event, province_code: str):
    from bot.services.accounts import get_or_create_account

    index = [p.code for p in event.provinces].index(province_code)
    return await get_or_create_account(session, channel="telegram", user_id=str(SECRETARIAT_IDS + index),
                                       chat_id=str(SECRETARIAT_IDS + index),
                                       display_name=f"Văn phòng tỉnh {event.province(province_code).name.get('vi')}")


async def fill(database_url: str, event: Event, count: int, seed: int | None = None) -> tuple[int, int]:
    """`count` delegates registered by their provinces' secretariats, some checked in by the practice
    staff member; (delegates, check-ins) added."""
    from bot.services import checkin
    from bot.services import registration as reg
    from models import Database

    rng, taken, checked = random.Random(seed), set(), 0
    db = Database(database_url)
    try:
        async with db.session() as session:
            desk = await practice_desk(session)
            for _ in range(count):
                draft = draft_for(event, rng, taken)
                registrant = await secretariat(session, event, draft.province)
                delegate = await reg.register(session, event, draft, registrant=registrant, for_self=False)
                for code in attended(delegate):
                    if rng.random() < CHECKED_IN_SHARE:
                        await checkin.check_in(session, delegate, code, desk, "search")
                        checked += 1
    finally:
        await db.close()
    return count, checked


def attended(delegate) -> list[str]:
    return list(delegate.part_codes)


async def practice_desk(session):
    from bot.practice.people import STAFF_MEMBER
    from bot.services.accounts import get_or_create_account

    return await get_or_create_account(session, channel="telegram", user_id=str(STAFF_MEMBER),
                                       chat_id=str(STAFF_MEMBER), display_name="Lê Văn Tâm")


def wipe(database_url: str) -> str:
    """Remove the practice database (a SQLite file, with its journal files)."""
    if not database_url.startswith("sqlite") or ":///" not in database_url:
        raise SystemExit(f"--reset only removes a SQLite practice database; {database_url.split('://')[0]} is not one")
    path = Path(database_url.split(":///", 1)[1])
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    return str(path)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot rehearse", description=__doc__.split("\n\n")[0])
    parser.add_argument("--delegates", type=int, default=0, help="how many delegates to add (e.g. 200)")
    parser.add_argument("--reset", action="store_true", help="wipe the practice database first")
    parser.add_argument("--seed", type=int, default=None, help="the same delegates every time with the same seed")
    args = parser.parse_args(argv)
    if not args.reset and args.delegates <= 0:
        parser.error("say --delegates N, --reset, or both")
    settings = Settings()
    url = settings.practice_database_url
    if args.reset:
        print(f"Practice database wiped: {wipe(url)}")
    if args.delegates > 0:
        from bot.practice.run import prepare

        event = load_event(settings.event_file)
        asyncio.run(prepare(url))
        added, checked = asyncio.run(fill(url, event, args.delegates, args.seed))
        print(f"{added} practice delegates added across {len(event.provinces)} provinces, {checked} check-ins; "
              f"`python -m bot` (no token) shows them in practice mode.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
