"""Phones typed without a country code: Mexican only when valid in Mexico and not in the US.
A San Diego number must never become +52: it is asked about, or refused with a reason."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import choose, opened
from test_drafts import volunteer_desk
from test_shelters import cli

from bot.identity import read_typed_phone

US_TYPED = ("1 619 555 0142", "619 555 0142", "(619) 555-0142")


@pytest.mark.parametrize("typed", US_TYPED)
def test_a_us_number_typed_without_a_country_code_is_never_made_mexican(typed):
    reading = read_typed_phone(typed)
    assert reading.phone is None and reading.candidates == ("+16195550142",)


@pytest.mark.parametrize("typed, phone", [
    ("664 123 4567", "+526641234567"), ("6641234567", "+526641234567"),
    ("044 664 123 4567", "+526641234567"),          # the old mobile prefix, still typed
    ("52 664 123 4567", "+526641234567"), ("521 664 123 4567", "+526641234567"),
    ("+52 1 664 123 4567", "+526641234567"), ("0052 664 123 4567", "+526641234567"),
    ("+1 619 555 0142", "+16195550142"), ("+502 2345 6789", "+50223456789")])
def test_clear_numbers_are_read_at_once(typed, phone):
    assert read_typed_phone(typed).phone == phone


def test_a_number_valid_on_both_sides_offers_both():
    # 656 is Ciudad Juárez and also a US area code.
    assert read_typed_phone("656 555 0002").candidates == ("+526565550002", "+16565550002")


@pytest.mark.parametrize("typed", ["2345 6789", "abc", "+52 123", "12"])
def test_no_number_at_all_is_refused(typed):
    assert read_typed_phone(typed) == read_typed_phone("") and read_typed_phone(typed).phone is None


@pytest.fixture
def desk(app):
    """A volunteer at the question for the person's phone."""
    volunteer = volunteer_desk(app)
    volunteer.send(choose(volunteer.menu, "Registrar a una persona"))
    return volunteer


@pytest.mark.parametrize("typed", US_TYPED)
def test_the_volunteer_desk_asks_which_country(app, desk, typed):
    reply = desk.send(typed)
    assert "puede ser de Estados Unidos" in reply and "+52" not in reply
    reply = desk.send(choose(reply, "Estados Unidos: +1 619-555-0142"))
    assert "¿La persona usa WhatsApp" in reply
    reply = desk.talk("no", "Ana P.", "tijuana", "15/3/2027", "8:30", "4:30", "no", "si")
    assert "Teléfono: +16195550142, por SMS" in reply
    assert "Listo, ya quedó registrada" in desk.send("si")
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        phones = [opened(app, r[0]) for r in conn.execute("SELECT phone FROM contacts")]
    assert "+16195550142" in phones and not any(p.startswith("+52619") for p in phones)


def test_the_volunteer_can_say_the_country_or_type_the_number_again(desk):
    reply = desk.send("656 555 0002")
    assert "México: +52 656 555 0002" in reply and "Estados Unidos: +1 656-555-0002" in reply
    assert "¿La persona usa WhatsApp" in desk.send("mexico")
    reply = desk.talk("CANCELAR", "VOLUNTARIO")
    desk.send(choose(reply, "Registrar a una persona"))
    reply = desk.send("656 555 0002")
    assert "¿Cuál es el teléfono" in desk.send(choose(reply, "Ninguno, lo escribo otra vez"))


def test_import_refuses_numbers_that_could_be_from_the_us_with_the_line(app, tmp_path):
    assert cli(app, "shelters", "add", "Casa del Migrante").exit_code == 0
    path = tmp_path / "people.csv"
    path.write_text("phone,name,city,date,time,consent\n" + "".join(
        f"\"{typed}\",A. B.,tijuana,15/03/2027,8:30,si\n" for typed in US_TYPED)
        + "656 555 0002,C. D.,juarez,15/03/2027,8:30,si\n", encoding="utf-8")
    result = cli(app, "contacts", "import", str(path), "--shelter", "Casa del Migrante")
    assert result.output.splitlines()[:4] == [
        "line 2: phone is not a Mexican number and may be from the US: write it with +1 if it is",
        "line 3: phone is not a Mexican number and may be from the US: write it with +1 if it is",
        "line 4: phone is not a Mexican number and may be from the US: write it with +1 if it is",
        "line 5: phone could be from Mexico or the US: write it with +52 or +1"]
    assert "imported 0" in result.output


def test_operator_commands_refuse_an_ambiguous_phone(app):
    assert cli(app, "shelters", "add", "Casa del Migrante").exit_code == 0
    result = cli(app, "volunteers", "add", "619 555 0142", "--shelter", "Casa del Migrante")
    assert result.exit_code != 0 and "write it with +1" in result.output
    assert cli(app, "volunteers", "add", "+1 619 555 0142", "--shelter", "Casa del Migrante"
               ).exit_code == 0
