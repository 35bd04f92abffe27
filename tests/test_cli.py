"""`python -m bot export|import …` on the secretariat's computer: a fresh database is migrated first,
exports are written where asked, an import with errors prints the rows and imports nothing."""
import asyncio
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from bot.ops import cli
from testkit.database import reset_database
from testkit.paths import EVENT_FILE, ROOT
from tests.test_nominees import BAD, GOOD, xlsx


def run_bot(*args: str, cwd: Path, database_url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "TEST_DATABASE_URL")}
    env.update(DATABASE_URL=database_url, EVENT_FILE=str(EVENT_FILE), PYTHONPATH=str(ROOT),
               PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "bot", *args], check=False, cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


def test_export_from_a_fresh_database_in_a_real_process(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'secretariat.sqlite3'}"
    done = run_bot("export", "delegates", "--output", "ds.xlsx", cwd=tmp_path, database_url=url)
    assert done.returncode == 0, done.stderr
    assert "Đã ghi ds.xlsx" in done.stdout
    book = openpyxl.load_workbook(tmp_path / "ds.xlsx")
    assert book.sheetnames[0] == "Tổng hợp" and "Gia Lai" in book.sheetnames


def test_import_with_errors_exits_non_zero_and_names_the_rows(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'secretariat.sqlite3'}"
    (tmp_path / "ds.xlsx").write_bytes(xlsx(BAD))
    done = run_bot("import", "ds.xlsx", "--bot-username", "dalat_bot", cwd=tmp_path, database_url=url)
    assert done.returncode == 1
    for row in (3, 4, 5, 6, 7, 9, 11):
        assert f"Dòng {row}:" in done.stdout
    assert "Dòng 2:" not in done.stdout and "Chưa nhập dòng nào" in done.stdout
    assert not (tmp_path / "ds.xlsx.links.csv").exists()


def test_help_says_the_files_hold_personal_data(tmp_path):
    done = run_bot("export", "--help", cwd=tmp_path, database_url="sqlite+aiosqlite://")
    assert done.returncode == 0 and "personal data" in done.stdout


@pytest.fixture
def secretariat(tmp_path, database_url, monkeypatch):
    """The command line in this process, on the test database (PostgreSQL too), from a clean folder."""
    asyncio.run(reset_database(database_url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("EVENT_FILE", str(EVENT_FILE))
    return tmp_path


def test_import_then_export(secretariat, capsys):
    (secretariat / "gia_lai.xlsx").write_bytes(xlsx(GOOD))
    assert cli.main(["import", "gia_lai.xlsx", "--bot-username", "dalat_bot", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Imported 3 nominee(s)" in out and "gia_lai.xlsx.links.csv" in out
    links = list(csv.DictReader(io.StringIO((secretariat / "gia_lai.xlsx.links.csv").read_text("utf-8-sig"))))
    assert [r["Full name"] for r in links] == ["Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường"]
    assert all(r["Personal link"].startswith("https://t.me/dalat_bot?start=n") for r in links)
    # the same list again: everyone is already listed, nothing imported
    assert cli.main(["import", "gia_lai.xlsx", "--bot-username", "dalat_bot"]) == 1
    assert capsys.readouterr().out.count("đã có trong một danh sách") == 3

    assert cli.main(["export", "delegates", "--format", "csv", "--no-personal"]) == 0
    written = capsys.readouterr().out.split("Đã ghi ", 1)[1].strip()
    assert written.startswith("dalat-2023-delegates-") and written.endswith(".csv")
    assert (secretariat / written).read_bytes().startswith(b"\xef\xbb\xbf")
    for kind in (["checkins", "--day", "2023-07-28"], ["rooms"]):
        assert cli.main(["export", *kind, "--output", "out.xlsx"]) == 0
        assert openpyxl.load_workbook(secretariat / "out.xlsx").sheetnames[0] == "Tổng hợp"
    assert cli.main(["export", "meals", "--output", "meals.xlsx"]) == 0
    meals = list(openpyxl.load_workbook(secretariat / "meals.xlsx")["Bữa ăn"].iter_rows(values_only=True))
    assert [r[0] for r in meals[1:]][:2] == ["Cơm tối 26/7", "Ăn sáng 27/7"]  # the event file's meals, in order


def test_import_only_valid_and_without_a_bot_name(secretariat, capsys):
    (secretariat / "ds.xlsx").write_bytes(xlsx(BAD))
    assert cli.main(["import", "ds.xlsx"]) == 2
    assert "--bot-username" in capsys.readouterr().err
    assert cli.main(["import", "ds.xlsx", "--only-valid", "--bot-username", "dalat_bot"]) == 0
    out = capsys.readouterr().out
    assert "Dòng 3:" in out and "Đã nhập 2 đại biểu (bỏ qua 7 dòng lỗi)." in out
    assert cli.main(["export", "checkins", "--day", "2023-07-30"]) == 2
    assert "Ngày 30/07/2023 không có phần nào của hội nghị (các ngày: 26/07/2023, 27/07/2023, 28/07/2023)." in \
        capsys.readouterr().err
