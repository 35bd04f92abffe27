"""Sign-in sheets (danh sách ký) as PDF: per part of the conference, one province to a page (or a run of
pages), No., name, position, organization and a column to sign in. They are the reception's paper
fallback when the network fails; what is signed is entered afterwards at the desk page's list."""
from __future__ import annotations

from dataclasses import dataclass, field

from fpdf import FPDF

from bot.screens.papers import A4, _lines, _pdf, _write

MARGIN = 12.0
ROW = 11.0  # mm: room for a signature
WIDTHS = (11.0, 48.0, 40.0, 55.0, 32.0)  # No., name, position, organization, signature (186 mm)


@dataclass(frozen=True)
class Signer:
    name: str
    position: str
    organization: str


@dataclass(frozen=True)
class Sheet:
    """One province's (or everyone's) page(s): headings above the table, the people in it."""
    headings: tuple[str, ...]
    signers: tuple[Signer, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Labels:
    title: str
    columns: tuple[str, str, str, str, str]
    nobody: str
    page: str  # "Page {page}/{pages}" as the language writes it


def _header(pdf: FPDF, sheet: Sheet, labels: Labels) -> float:
    width = A4[0] - 2 * MARGIN
    y = _write(pdf, MARGIN, MARGIN, width, [labels.title], 13, "B", "C") + 1
    for heading in sheet.headings:
        y = _write(pdf, MARGIN, y, width, _lines(pdf, heading, width, 9.5), 9.5, "", "C")
    return _row(pdf, y + 3, list(labels.columns), bold=True)


def _row(pdf: FPDF, y: float, cells: list[str], bold: bool = False) -> float:
    style, size = ("B", 9) if bold else ("", 9)
    wrapped = [_lines(pdf, text, w - 2, size, style) for text, w in zip(cells, WIDTHS)]
    height = max(ROW if not bold else 8, max(len(w) for w in wrapped) * size * 0.45 + 2.5)
    x = MARGIN
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    for lines, w in zip(wrapped, WIDTHS):
        pdf.rect(x, y, w, height)
        _write(pdf, x + 1, y + 1.2, w - 2, lines, size, style, "C" if bold else "L")
        x += w
    return y + height


def _footer(pdf: FPDF, labels: Labels) -> None:
    pdf.set_text_color(90)
    _write(pdf, MARGIN, A4[1] - 9, A4[0] - 2 * MARGIN, [labels.page.format(page=pdf.page_no(), pages="{nb}")],
           7.5, "I", "R")
    pdf.set_text_color(0)


def _sheet(pdf: FPDF, sheet: Sheet, labels: Labels) -> None:
    pdf.add_page()
    _footer(pdf, labels)
    y = _header(pdf, sheet, labels)
    if not sheet.signers:
        _write(pdf, MARGIN, y + 4, A4[0] - 2 * MARGIN, [labels.nobody], 9.5, "I")
    for n, signer in enumerate(sheet.signers, 1):
        cells = [str(n), signer.name, signer.position, signer.organization, ""]
        if y + ROW + 6 > A4[1] - 14:  # the row would run into the footer: a new page, the header again
            pdf.add_page()
            _footer(pdf, labels)
            y = _header(pdf, sheet, labels)
        y = _row(pdf, y, cells)


def sign_in_pdf(sheets: list[Sheet], labels: Labels) -> bytes:
    """Each sheet from a new page; the table's header repeats on every page."""
    pdf = _pdf(labels.title)
    pdf.alias_nb_pages("{nb}")
    for sheet in sheets:
        _sheet(pdf, sheet, labels)
    return bytes(pdf.output())
