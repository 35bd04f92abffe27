"""The event file: the seed conference loads; a broken file names the field that is wrong."""
import pytest
import yaml

from bot.event import EventFileError, load_event
from testkit.event_file import broken_event_file
from testkit.paths import EVENT_FILE

MEMBERS = {"Bình Định", "Lâm Đồng", "Đắk Lắk", "Đắk Nông", "Gia Lai", "Kon Tum", "Quảng Nam", "Quảng Ngãi",
           "Phú Yên", "Khánh Hòa"}


def test_seed_conference(conference):
    assert {p.name.vi for p in conference.provinces} == MEMBERS | {"Trung ương"}
    assert [c.code for c in conference.categories_for("central")] == [
        "central_council", "central_board_leader", "central_board_staff", "press"]
    assert [c.code for c in conference.categories_for("gia_lai")] == [
        "ubnd_leader", "ubnd_office", "home_affairs_leader", "emulation_board"]
    host = {c.code for c in conference.categories_for("lam_dong")}
    assert {"party_standing", "council_standing", "front_assembly", "provincial_council", "press"} <= host
    starts = {s.code: s.starts_at.isoformat() for s in conference.parts}
    assert starts == {"reception": "2023-07-26T14:00:00+07:00", "exchange": "2023-07-27T14:00:00+07:00",
                      "conference": "2023-07-28T08:00:00+07:00"}
    assert len(conference.part("conference").programme) == 9
    assert conference.venue.provisional
    assert conference.default_organization("ubnd_office", "gia_lai", "vi") == "Văn phòng UBND tỉnh Gia Lai"
    assert conference.default_organization("press", "central", "vi") is None


def test_broken_fields_are_named(tmp_path):
    assert "sessions.0.starts_at" in broken_event_file(tmp_path, lambda d: d["sessions"][0].update(starts_at="2023-07-26T14:00:00"))
    assert "timezone" in broken_event_file(tmp_path, lambda d: d.update(timezone="Mars/Olympus"))
    assert "provinces.2.categories" in broken_event_file(tmp_path, lambda d: d["provinces"][2].update(categories=["nobody"]))
    assert "venue.latitude" in broken_event_file(tmp_path, lambda d: d["venue"].update(latitude=123))
    assert "name.en" in broken_event_file(tmp_path, lambda d: d["name"].pop("en"))
    assert "reminders.0" in broken_event_file(tmp_path, lambda d: d["reminders"][0].update(minutes_before=5))


def test_missing_and_non_yaml(tmp_path):
    with pytest.raises(EventFileError, match="not found"):
        load_event(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(EventFileError, match="not valid YAML"):
        load_event(bad)


def _written(tmp_path, data):
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_parts_is_the_key_and_sessions_its_old_name_still_read(tmp_path):
    """The event file belongs to the host: a file written with `sessions:` keeps working, and errors name the
    key the file uses."""
    old = yaml.safe_load(EVENT_FILE.read_text(encoding="utf-8"))
    new = {("parts" if key == "sessions" else key): value
           for key, value in yaml.safe_load(EVENT_FILE.read_text(encoding="utf-8")).items()}
    assert "sessions" in old and "sessions" not in new
    assert load_event(_written(tmp_path, new)).parts == load_event(_written(tmp_path, old)).parts
    new["parts"][0]["starts_at"] = "2023-07-26T14:00:00"
    with pytest.raises(EventFileError, match=r"parts\.0\.starts_at"):
        load_event(_written(tmp_path, new))
    twice = {**old, "sessions": old["sessions"] + old["sessions"][:1]}
    with pytest.raises(EventFileError, match="sessions: code 'reception' appears twice"):
        load_event(_written(tmp_path, twice))
