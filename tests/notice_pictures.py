"""Synthetic hearing notices photographed by a phone: the hearing notice, the MPP tear sheet and
the first page of the Notice to Appear, drawn with Pillow in several fonts and sizes, then turned
up to 7 degrees, put in perspective, blurred, shaded and saved as JPEG at quality 35 to 80.
Each comes with what its paper says, to measure the reading against."""

from __future__ import annotations

import io
import os
import random
from dataclasses import dataclass
from datetime import date, timedelta

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bot.dates import us_federal_holidays

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation",
             "/usr/share/fonts/dejavu", "/Library/Fonts")
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf",
              "LiberationSans-Regular.ttf", "LiberationSerif-Regular.ttf")
SURNAMES = ("LOPEZ", "HERNANDEZ", "MARTINEZ", "GARCIA", "RAMIREZ", "CRUZ", "REYES", "MORALES")
GIVEN = ("MARIA ELENA", "JOSE LUIS", "ROSA", "CARLOS", "ANA LUCIA", "JUAN", "KAREN", "WILMER")
# The port on the tear sheet, the court's address on the hearing notice and the NTA.
PLACES = (
    ("San Ysidro Port of Entry", "401 West A Street, Suite 800, San Diego, CA 92101"),
    ("Paso del Norte Bridge, El Paso", "700 E. San Antonio Ave, Suite 750, El Paso, TX 79901"),
    ("Gateway International Bridge, Brownsville", "2009 W. Jefferson Ave, Harlingen, TX 78550"),
)
LAYOUTS = ("hearing_notice", "tear_sheet", "nta")


@dataclass
class Notice:
    layout: str
    jpeg: bytes
    lines: list[str]          # the paper's print, line by line
    day: date
    clock: str                # "08:30"
    report: str | None        # "04:30", on the tear sheet only
    a_number: str             # nine digits


def fonts() -> list[str]:
    found = [os.path.join(d, f) for d in FONT_DIRS for f in FONT_FILES if os.path.exists(os.path.join(d, f))]
    return found or [""]   # "": Pillow's own scalable font


def font(path: str, size: int):
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def hearing_day(rng: random.Random, after: date) -> date:
    while True:
        day = after + timedelta(days=rng.randint(20, 400))
        if day.weekday() < 5 and day not in us_federal_holidays(day.year):
            return day


def _twelve(hour: int, minute: int) -> str:
    return f"{(hour - 1) % 12 + 1:02d}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


def text_of(layout: str, rng: random.Random, after: date) -> tuple[list[str], date, str, str | None, str]:
    day = hearing_day(rng, after)
    hour, minute = rng.choice([(8, 0), (8, 30), (9, 0), (10, 0), (13, 0), (13, 30), (14, 0)])
    report_hour = hour - 4
    digits = f"{rng.randint(20_000_000, 249_999_999):09d}"
    dashed = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    name = f"{rng.choice(SURNAMES)}, {rng.choice(GIVEN)}"
    port, court = rng.choice(PLACES)
    words = day.strftime("%A, %B ") + str(day.day) + day.strftime(", %Y")
    numeric = day.strftime("%m/%d/%Y")
    if layout == "hearing_notice":
        lines = ["U.S. DEPARTMENT OF JUSTICE", "EXECUTIVE OFFICE FOR IMMIGRATION REVIEW",
                 "IMMIGRATION COURT", court.upper(),
                 f"In the Matter of: {name}", f"A-Number: {dashed}",
                 "NOTICE OF IN-PERSON HEARING IN REMOVAL PROCEEDINGS",
                 "Your case has been scheduled for a MASTER hearing",
                 f"before the Immigration Judge on {words}",
                 f"at {_twelve(hour, minute)} at: {court}"]
        return lines, day, f"{hour:02d}:{minute:02d}", None, digits
    if layout == "tear_sheet":
        lines = ["MIGRANT PROTECTION PROTOCOLS - INITIAL DOCUMENT", f"Name: {name}",
                 f"A#: {digits}", f"Hearing Date: {numeric}", f"Hearing Time: {_twelve(hour, minute)}",
                 f"Report to: {port}", f"Report time: {_twelve(report_hour, minute)}",
                 "Bring this notice and any documents you have."]
        return lines, day, f"{hour:02d}:{minute:02d}", f"{report_hour:02d}:{minute:02d}", digits
    lines = ["U.S. DEPARTMENT OF HOMELAND SECURITY", "NOTICE TO APPEAR",
             f"File No: A {digits[:3]} {digits[3:6]} {digits[6:]}",
             f"In the Matter of: {name}",
             "YOU ARE ORDERED to appear before an immigration judge at:",
             court, f"on {day.strftime('%B')} {day.day}, {day.year} at {_twelve(hour, minute)}",
             "to show why you should not be removed from the United States."]
    return lines, day, f"{hour:02d}:{minute:02d}", None, digits


def draw(lines: list[str], rng: random.Random, width: int = 1600, plain: bool = False) -> Image.Image:
    """The paper flat on a table, then photographed: turned, in perspective, blurred, shaded
    (`plain`: a flat scan, for tests about what happens to a reading rather than the reading)."""
    face = font(rng.choice(fonts()), rng.randint(30, 44))
    height = int(width * 1.3)
    page = Image.new("RGB", (width, height), (rng.randint(235, 255),) * 3)
    pen = ImageDraw.Draw(page)
    y = rng.randint(60, 140)
    for line in lines:
        pen.text((rng.randint(70, 110), y), line, font=face, fill=(rng.randint(0, 50),) * 3)
        y += int(face.size * rng.uniform(1.5, 2.1))
    if plain:
        return page
    # A shadow across part of the page (a hand, the phone).
    shade = Image.new("L", page.size, 0)
    ImageDraw.Draw(shade).polygon([(0, rng.randint(0, height)), (width, rng.randint(0, height)),
                                   (width, height), (0, height)], fill=rng.randint(25, 70))
    page = Image.composite(Image.new("RGB", page.size, (60, 60, 60)), page,
                           shade.filter(ImageFilter.GaussianBlur(40)))
    page = page.rotate(rng.uniform(-7, 7), resample=Image.BICUBIC, expand=True, fillcolor=(90, 80, 70))
    w, h = page.size
    d = [rng.uniform(0, 0.04) * s for s in (w, h, w, h, w, h, w, h)]
    quad = (d[0], d[1], d[2], h - d[3], w - d[4], h - d[5], w - d[6], d[7])
    page = page.transform((w, h), Image.QUAD, quad, resample=Image.BICUBIC)
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.4)))
    page.thumbnail((width, width))
    return page


def notice(seed: int, after: date, layout: str | None = None, plain: bool = False) -> Notice:
    rng = random.Random(seed)
    layout = layout or LAYOUTS[seed % len(LAYOUTS)]
    lines, day, clock, report, digits = text_of(layout, rng, after)
    image = draw(lines, rng, plain=plain)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90 if plain else rng.randint(35, 80))
    return Notice(layout, out.getvalue(), lines, day, clock, report, digits)


if __name__ == "__main__":
    # python tests/notice_pictures.py OUT.jpg [SEED]: one photo to try `flask --app bot read-notice` on.
    import sys

    shot = notice(int(sys.argv[2]) if len(sys.argv) > 2 else 1, date.today())
    with open(sys.argv[1], "wb") as f:
        f.write(shot.jpeg)
    print("\n".join(shot.lines))
