"""The check-in picture's text: set in the packaged Be Vietnam Pro, which has every Vietnamese letter, so a
delegate's name prints whole on any server (a slim one has no system fonts at all)."""
import io

import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from bot.services import badge

LOWER = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
VIETNAMESE = LOWER + LOWER.upper() + "0123456789 .,-–()/:"


def test_the_pictures_fonts_have_every_vietnamese_letter():
    for size, weight in ((34, "SemiBold"), (24, "Regular")):
        font = badge._font(size, weight)
        assert font.path.startswith(str(badge.FONTS))  # the packaged font, not whatever the system has
        letters = TTFont(font.path).getBestCmap()
        assert [c for c in VIETNAMESE if ord(c) not in letters] == []


def test_a_vietnamese_name_under_the_code_and_the_code_still_reads():
    url = "https://t.me/dalat_bot?start=c_12345678"
    picture = Image.open(io.BytesIO(badge.render(url, ["Nguyễn Thị Ánh Tuyết", "Quảng Ngãi · Đại biểu"])))
    assert [r.text for r in zxingcpp.read_barcodes(picture)] == [url]
    below = picture.crop((0, picture.width, picture.width, picture.height))  # under the square code
    assert below.getextrema()[0] == 0  # text is drawn there (black on white)
