"""How often one reception staff member may search the delegates.

Reception may look a delegate up by name or phone, but must not be able to read the register out one
query after another (a script at the desk page, or a patient person in the chat). A sliding window per
staff member: at most MOST searches in any WINDOW seconds, the chat and the desk page counted together.
30 a minute is far more than a person at a desk types: one name found costs one search in the chat and
two to four on the desk page (it searches as the name is typed, after a short pause), and a check-in
with the hand-over takes half a minute; a script is held to one search every two seconds.

The window lives in the process's memory: a restart forgets it, and with several bot processes each
keeps its own (a staff member's requests spread over them get that many times the pace).
"""
from __future__ import annotations

from bot.services.pace import Pace

MOST = 30
WINDOW = 60.0  # seconds


class Pace(Pace):
    def __init__(self, most: int = MOST, window: float = WINDOW, **kwargs) -> None:
        super().__init__(most, window, **kwargs)
