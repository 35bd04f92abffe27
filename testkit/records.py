"""A delegate's registration as a provincial secretariat fills it in, for tests and benchmarks to seat
delegates straight in the database."""
from __future__ import annotations

from bot.services import registration as reg


def draft(**changes) -> reg.Draft:
    values = dict(province="gia_lai", category="ubnd_office", full_name="Lê <Văn> & Co", position="Chánh Văn phòng",
                  organization="Văn phòng UBND tỉnh Gia Lai", phone="+84905123456",
                  parts=["reception", "conference"], arrival_date="2023-07-26", arrival_time="10:30",
                  travel_mode="air", needs_lodging=True, note="ăn chay")
    values.update(changes)
    return reg.Draft(**values)
