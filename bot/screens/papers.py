"""The printed papers as PDF: badge cards on A4 sheets with cut lines (thẻ đại biểu) and sign-in sheets
(danh sách ký). Set in Be Vietnam Pro, which ships with the install as a package (fontpkg-be-vietnam-pro) and
has every Vietnamese letter, whatever fonts the server has.

The builders take plain data (strings, numbers) and return bytes, so they run in a worker process
(`build_elsewhere`): 500 cards keep a CPU busy for seconds, which the event loop must not wait for.
"""
from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF

from bot.infra import worker_process
from bot.services.badge import FONTS, qr_code

FAMILY = "BeVietnamPro"
A4 = (210.0, 297.0)
MARK = 4.0  # mm of cut mark outside the sheet's grid of cards
BUILD_SECONDS = 300


@dataclass(frozen=True)
class Card:
    """One badge: the lines printed on it and the check-in link in its QR code."""
    name: str
    position: str
    organization: str
    province: str
    category: str
    link: str
    number: str  # the check-in number, for reception to type when a code will not scan
    event: str


def _pdf(title: str) -> FPDF:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_creator("delegate-bot")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    for style, file in (("", "Regular"), ("B", "Bold"), ("I", "Italic")):
        pdf.add_font(FAMILY, style, str(FONTS / f"BeVietnamPro-{file}.ttf"))
    return pdf


def _lines(pdf: FPDF, text: str, width: float, size: float, style: str = "") -> list[str]:
    pdf.set_font(FAMILY, style, size)
    return pdf.multi_cell(width, size * 0.42, text, dry_run=True, output="LINES") if text else []


def _fitted(pdf: FPDF, text: str, width: float, size: float, most: int, style: str = "") -> tuple[float, list[str]]:
    """The largest size down to 60 % of `size` at which `text` takes at most `most` lines (cut there if none)."""
    for step in range(9):
        current = size * (1 - step * 0.05)
        lines = _lines(pdf, text, width, current, style)
        if len(lines) <= most:
            return current, lines
    return current, lines[:most]


def _write(pdf: FPDF, x: float, y: float, width: float, lines: list[str], size: float, style: str = "",
           align: str = "L") -> float:
    pdf.set_font(FAMILY, style, size)
    for line in lines:
        pdf.set_xy(x, y)
        pdf.cell(width, size * 0.42, line, align=align)
        y += size * 0.45
    return y


def _qr(pdf: FPDF, link: str, x: float, y: float, side: float) -> None:
    """The code as filled rectangles, one per run of dark modules in a row: sharp at any printer's resolution.
    Written as one path straight into the page (fpdf2's rect() per run would cost half the card's time)."""
    matrix = qr_code(link, border=0).get_matrix()
    k, module = pdf.k, side / len(matrix)
    runs = []
    for r, row in enumerate(matrix):
        top = (pdf.h - y - r * module) * k
        for start, length in _runs(row):
            runs.append(f"{(x + start * module) * k:.2f} {top:.2f} {length * module * k + 0.03:.2f} "
                        f"{-module * k - 0.03:.2f} re")
    pdf._out("q 0 g " + " ".join(runs) + " f Q")  # noqa: SLF001 - fpdf2's way to write raw page content


def _runs(row: list[bool]) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules."""
    found, start = [], None
    for c, dark in enumerate([*row, False]):
        if dark and start is None:
            start = c
        elif not dark and start is not None:
            found.append((start, c - start))
            start = None
    return found


def _card(pdf: FPDF, card: Card, x: float, y: float, w: float, h: float) -> None:
    pad, band = 3.0, 7.0
    pdf.set_fill_color(25, 60, 120)
    pdf.rect(x, y, w, band, style="F")
    pdf.set_text_color(255)
    size, lines = _fitted(pdf, card.category.upper(), w - 2 * pad, 8, 1, "B")
    _write(pdf, x + pad, y + (band - size * 0.42) / 2, w - 2 * pad, lines, size, "B", "C")
    pdf.set_text_color(0)
    side = min(h - band - 2 * pad - 3, w * 0.38)
    qx, qy = x + w - pad - side, y + band + pad
    _qr(pdf, card.link, qx, qy, side)
    _write(pdf, qx, qy + side + 0.6, side, [card.number], 6, "", "C")
    text_w = w - side - 3 * pad
    top = y + band + pad
    size, lines = _fitted(pdf, card.name, text_w, 12, 2, "B")
    top = _write(pdf, x + pad, top, text_w, lines, size, "B") + 0.8
    for text, most, base, style in ((card.position, 2, 8.5, ""), (card.organization, 3, 7.5, ""),
                                    (card.province, 1, 8, "B")):
        size, lines = _fitted(pdf, text, text_w, base, most, style)
        top = _write(pdf, x + pad, top, text_w, lines, size, style) + 0.5
    pdf.set_text_color(90)
    _write(pdf, x + pad, y + h - pad - 2.2, text_w, _fitted(pdf, card.event, text_w, 5.5, 1, "I")[1], 5.5, "I")
    pdf.set_text_color(0)


def _cut_lines(pdf: FPDF, left: float, top: float, w: float, h: float, cols: int, rows: int) -> None:
    """Dashed lines on every edge between cards, and solid marks beyond the grid to guide the guillotine."""
    right, bottom = left + cols * w, top + rows * h
    pdf.set_draw_color(150)
    pdf.set_line_width(0.1)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        for i in range(cols + 1):
            pdf.line(left + i * w, top, left + i * w, bottom)
        for j in range(rows + 1):
            pdf.line(left, top + j * h, right, top + j * h)
    for i in range(cols + 1):
        pdf.line(left + i * w, top - MARK - 1, left + i * w, top - 1)
        pdf.line(left + i * w, bottom + 1, left + i * w, bottom + MARK + 1)
    for j in range(rows + 1):
        pdf.line(left - MARK - 1, top + j * h, left - 1, top + j * h)
        pdf.line(right + 1, top + j * h, right + MARK + 1, top + j * h)


def grid(width: float, height: float) -> tuple[int, int]:
    """Cards to a row and rows to an A4 sheet, leaving room for the cut marks and the printer's margin."""
    room_w, room_h = A4[0] - 2 * (MARK + 6), A4[1] - 2 * (MARK + 6)
    return max(1, int(room_w // width)), max(1, int(room_h // height))


def badges_pdf(cards: list[Card], width: float, height: float, title: str) -> bytes:
    """The cards, `grid` to an A4 sheet, centred, with cut lines."""
    pdf = _pdf(title)
    cols, rows = grid(width, height)
    left, top = (A4[0] - cols * width) / 2, (A4[1] - rows * height) / 2
    per_sheet = cols * rows
    for n, card in enumerate(cards):
        if n % per_sheet == 0:
            pdf.add_page()
            used = min(per_sheet, len(cards) - n)
            _cut_lines(pdf, left, top, width, height, cols, -(-used // cols))
        row, col = divmod(n % per_sheet, cols)
        _card(pdf, card, left + col * width, top + row * height, width, height)
    return bytes(pdf.output())


async def build_elsewhere(function, *args) -> bytes:
    """A PDF built in a worker process beside the bot, which ends with it (bot/infra/worker_process.py)."""
    return await worker_process.run_once(function, *args, timeout=BUILD_SECONDS)
