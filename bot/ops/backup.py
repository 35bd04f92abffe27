"""Backups: every table of the bot written to one gzipped JSON file, and read back into an empty database.

Database-independent on purpose: a dump taken from PostgreSQL restores into SQLite on a laptop (and
back), which is what a secretariat needs when the server is gone. On PostgreSQL, `pg_dump` is the
other way and is documented in the README; this one needs nothing but the bot.
"""
from __future__ import annotations

import base64
import gzip
import json
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.sql.schema import Column

from models import Base, Database
from models.base import utcnow

FORMAT = "delegate-bot-backup/1"
BATCH = 500


class BackupError(Exception):
    """The file cannot be restored here; the message says why in plain words."""


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, bytes):  # a province's report file: base64 in the JSON
        return base64.b64encode(value).decode("ascii")
    return value


def _decode(column: Column, value: Any) -> Any:
    if value is None:
        return None
    try:
        kind = getattr(column.type, "impl", column.type).python_type  # UTCDateTime decorates a DateTime
    except NotImplementedError:
        return value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is time:
        return time.fromisoformat(value)
    if kind is bytes:
        return base64.b64decode(value)
    return value


async def dump(db: Database) -> bytes:
    tables: dict[str, list[dict]] = {}
    async with db.session() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).mappings().all()
            tables[table.name] = [{key: _encode(value) for key, value in row.items()} for row in rows]
        revision = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    document = {"format": FORMAT, "created_at": utcnow().isoformat(), "schema": revision, "tables": tables}
    return gzip.compress(json.dumps(document, ensure_ascii=False).encode("utf-8"))


async def restore(db: Database, data: bytes) -> dict[str, int]:
    """Into a migrated, empty database; all or nothing. Returns the rows restored per table."""
    try:
        document = json.loads(gzip.decompress(data))
    except (OSError, ValueError) as exc:
        raise BackupError(f"This is not a backup file of the bot ({exc}).") from None
    if document.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {document.get('format')!r}; expected {FORMAT}.")
    counts: dict[str, int] = {}
    async with db.session() as session:
        revision = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        if revision != document.get("schema"):
            raise BackupError(f"The backup is of schema {document.get('schema')}, this database is at {revision}: "
                              "restore with the same version of the bot that made the backup.")
        for table in Base.metadata.sorted_tables:
            if await session.scalar(select(func.count()).select_from(table)):
                raise BackupError(f"The database is not empty (table {table.name}); restore into a new database.")
        for table in Base.metadata.sorted_tables:  # parents before children
            rows = document["tables"].get(table.name, [])
            columns = {c.name: c for c in table.columns}
            decoded = [{k: _decode(columns[k], v) for k, v in row.items() if k in columns} for row in rows]
            for start in range(0, len(decoded), BATCH):
                await session.execute(insert(table), decoded[start:start + BATCH])
            counts[table.name] = len(decoded)
        if db.dialect == "postgresql":  # the id sequences continue after the restored ids
            for table in Base.metadata.sorted_tables:
                if "id" in table.columns and table.columns["id"].autoincrement is not False and counts[table.name]:
                    await session.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"))
        await session.commit()
    return counts
