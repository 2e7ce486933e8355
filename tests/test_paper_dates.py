"""Dates copied from the English notice: month first there, both readings asked, never guessed."""

from __future__ import annotations

import sqlite3
from datetime import date, time

import pytest
from conftest import Phone, Pick, choose
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import minutes_before, parse_date, parse_time, us_federal_holidays

TODAY = date(2026, 11, 22)   # a Sunday


def saved_starts(app) -> list[str]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return [row[0] for row in conn.execute("SELECT starts_at FROM hearings")]


@pytest.mark.parametrize("text,expected", [
    ("25/3/2027", date(2027, 3, 25)),      # a first number above 12 is a day
    ("3/25/2027", date(2027, 3, 25)),      # a second number above 12 puts the month first
    ("3/15", date(2027, 3, 15)),
    ("4/4/2027", date(2027, 4, 4)),        # both readings are the same day
    ("15.3", date(2027, 3, 15)),
])
def test_a_numeric_date_with_one_reading_is_read(text, expected):
    result = parse_date(text, TODAY)
    assert (result.value, result.problem) == (expected, None)


def test_two_readings_are_both_returned_and_nothing_is_guessed():
    result = parse_date("03/04/2027", TODAY)
    assert result.value is None and result.problem == "ambiguous"
    assert result.readings == (date(2027, 3, 4), date(2027, 4, 3))
    assert parse_date("3/4", TODAY).readings == (date(2027, 3, 4), date(2027, 4, 3))


def test_a_past_reading_is_dropped_not_called_past():
    # 1 December 2026 on the US notice, a week ahead; day first it would be 12 January 2026.
    result = parse_date("12/1/2026", TODAY)
    assert (result.value, result.problem) == (date(2026, 12, 1), None)
    result = parse_date("1/12/2026", TODAY)
    assert (result.value, result.problem) == (date(2026, 12, 1), None)


def test_a_date_past_in_both_readings_is_past():
    assert parse_date("3/4/2026", TODAY).problem == "past"


def test_dots_are_read_day_first_only():
    # "8.30" is far more often a time than 30 August.
    assert parse_date("8.30", TODAY).value is None


@pytest.mark.parametrize("text", [
    "03/04/2027 8:30 AM",
    "Hearing Date: 03/04/2027",
    "Date: 03/04/2027",
    "03/04/2027 at 8:30 a.m.",
    "Thursday 03/04/2027",
])
def test_text_copied_from_the_notice_reads_month_first(text):
    result = parse_date(text, TODAY)
    assert (result.value, result.problem, result.paper) == (date(2027, 3, 4), None, True)


@pytest.mark.parametrize("text", ["March 4, 2027", "Mar 04 2027", "march 4 2027", "4 de marzo de 2027"])
def test_month_names_in_english_and_spanish(text):
    assert parse_date(text, TODAY).value == date(2027, 3, 4)


def import_row(app, tmp_path, row: str) -> str:
    """Import one CSV row for a shelter and return what the command printed."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shelters", "add", "Casa", "--city", "tijuana"]).exit_code == 0
    path = tmp_path / "people.csv"
    path.write_text("phone,name,city,date,time,report_time,a_number,whatsapp,consent\n" + row + "\n",
                    encoding="utf-8")
    return runner.invoke(args=["contacts", "import", str(path), "--shelter", "Casa"]).output


def _to_date_question(phone):
    phone.send("hola")
    phone.send(choose(phone.send("hola"), "Guardar una audiencia"))
    phone.send("MR")
    return phone.pick("Tijuana / San Diego")


def test_the_english_notice_date_is_asked_in_words_and_the_chosen_one_saved(app, phone):
    assert "¿Qué día" in _to_date_question(phone)
    reply = phone.send("03/04/2027")
    assert "pone primero el mes" in reply
    assert "jueves 4 de marzo de 2027" in reply and "sábado 3 de abril de 2027" in reply
    reply = phone.send(choose(reply, "jueves 4 de marzo de 2027"))
    assert "¿A qué hora es la audiencia" in reply
    phone.talk("8:30 am", "no se")
    reply = phone.send("no")
    assert "Audiencia: jueves 4 de marzo de 2027, 8:30 a. m." in reply
    phone.send("si")
    assert saved_starts(app) == ["2027-03-04T16:30:00+00:00"]


@pytest.mark.parametrize("answer", ["4 de marzo", "el jueves", "jueves 4 de marzo"])
def test_the_reading_can_be_chosen_by_writing_the_day_or_its_weekday(app, phone, answer):
    _to_date_question(phone)
    phone.send("3/4/2027")
    assert "¿A qué hora es la audiencia" in phone.send(answer)
    phone.talk("8:30 am", "no se")
    assert "Audiencia: jueves 4 de marzo de 2027" in phone.send("no")


@pytest.mark.parametrize("answer", ["el viernes", "5 de marzo", "el de la hoja"])
def test_an_answer_that_is_neither_reading_asks_again(phone, answer):
    _to_date_question(phone)
    phone.send("3/4/2027")
    assert "Escriba el número de la fecha correcta" in phone.send(answer)


def test_neither_reading_asks_for_the_date_again(phone):
    _to_date_question(phone)
    reply = phone.send("03/04/2027")
    assert "¿Qué día" in phone.send(choose(reply, "Ninguna, la escribo otra vez"))


def test_a_us_date_a_week_ahead_is_not_called_past(phone):
    _to_date_question(phone)
    reply = phone.send("12/01/2026")
    assert "ya pasó" not in reply
    assert "¿A qué hora es la audiencia" in reply


def test_a_volunteer_registering_and_changing_asks_between_the_readings(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shelters", "add", "Casa", "--city", "tijuana"]).exit_code == 0
    assert runner.invoke(args=["volunteers", "add", "664 555 0001", "--shelter", "Casa"]).exit_code == 0
    volunteer = Phone(app, "whatsapp:+5216645550001")
    reply = volunteer.talk("VOLUNTARIO", Pick("Registrar a una persona"), "664 123 4567", Pick("Sí"), "M. R.",
                           "tijuana", "03/04/2027")
    assert "jueves 4 de marzo de 2027" in reply and "sábado 3 de abril de 2027" in reply
    reply = volunteer.talk(choose(reply, "jueves 4 de marzo de 2027"), "8:30", "4:30",
                           "A 123-456-789", Pick("Sí, aceptó"))
    assert "Audiencia: jueves 4 de marzo de 2027, 8:30 a. m." in reply
    volunteer.pick("Sí, registrar")
    reply = volunteer.talk(Pick("Cambiar o cancelar un registro"), Pick("M. R."),
                           Pick("Cambiar la fecha o la hora"), "04/05/2027")
    assert "lunes 5 de abril de 2027" in reply and "martes 4 de mayo de 2027" in reply
    volunteer.talk(choose(reply, "martes 4 de mayo de 2027"), "9:00", "no se")
    volunteer.send("si")
    assert saved_starts(app) == ["2027-05-04T16:00:00+00:00"]


def test_an_import_refuses_a_date_with_two_readings_and_says_how_to_write_it(app, tmp_path):
    output = import_row(app, tmp_path, "664 123 4567,M. R.,tijuana,03/04/2027,8:30,,,si,si")
    assert "line 2: date can be read day first or month first" in output
    assert "bad rows 1" in output


@pytest.mark.parametrize("year,expected", [
    (2026, {date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
            date(2026, 7, 3), date(2026, 7, 4), date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11),
            date(2026, 11, 26), date(2026, 12, 25)}),
    # 19 June and 25 December on a Saturday are kept on the Friday, 4 July on a Sunday on the Monday,
    # and 1 January 2028, a Saturday, on 31 December 2027.
    (2027, {date(2027, 1, 1), date(2027, 1, 18), date(2027, 2, 15), date(2027, 5, 31), date(2027, 6, 18),
            date(2027, 6, 19), date(2027, 7, 4), date(2027, 7, 5), date(2027, 9, 6), date(2027, 10, 11),
            date(2027, 11, 11), date(2027, 11, 25), date(2027, 12, 24), date(2027, 12, 25),
            date(2027, 12, 31)}),
])
def test_us_federal_holidays_are_computed_by_rule_with_observed_days(year, expected):
    assert us_federal_holidays(year) == expected


@pytest.mark.parametrize("text,doubt", [
    ("martes 4 de marzo de 2027", "weekday"),      # the 4th is a Thursday
    ("el lunes 15/3/2027", None),
    ("jueves 4 de marzo de 2027", None),
    ("6 de marzo de 2027", "weekend"),
    ("28/3/2027", "weekend"),
    ("el sabado", "weekend"),
    ("25 de noviembre de 2027", "holiday"),        # Thanksgiving
    ("5 de julio de 2027", "holiday"),             # 4 July kept on the Monday
    ("8 de marzo de 2027", None),
])
def test_a_date_courts_do_not_sit_on_is_questioned(text, doubt):
    assert parse_date(text, TODAY).doubt == doubt


def test_the_weekday_written_settles_two_readings():
    result = parse_date("jueves 3/4/2027", TODAY)
    assert (result.value, result.problem, result.doubt) == (date(2027, 3, 4), None, None)


@pytest.mark.parametrize("text,question", [
    ("martes 4 de marzo de 2027", "Ojo: el jueves 4 de marzo de 2027 no es el día de la semana"),
    ("27/3/2027", "El sábado 27 de marzo de 2027 es fin de semana"),
    ("25/11/2027", "El jueves 25 de noviembre de 2027 es día feriado en Estados Unidos"),
])
def test_a_questioned_date_is_kept_on_yes_and_retyped_on_no(app, text, question):
    first, second = Phone(app, "whatsapp:+5216641230001"), Phone(app, "whatsapp:+5216641230002")
    _to_date_question(first)
    assert question in first.send(text)
    assert "¿A qué hora es la audiencia" in first.pick("Sí")
    _to_date_question(second)
    second.send(text)
    assert "¿Qué día" in second.pick("No, la escribo otra vez")


def test_an_import_refuses_a_weekend_date_with_the_reason(app, tmp_path):
    output = import_row(app, tmp_path, "664 123 4567,M. R.,tijuana,27/03/2027,8:30,,,si,si")
    assert "line 2: date is a Saturday or a Sunday: check the sheet" in output


@pytest.mark.parametrize("text,expected", [
    ("el quince de marzo", date(2027, 3, 15)),
    ("quince de marzo de dos mil veintisiete", date(2027, 3, 15)),
    ("primero de abril", date(2027, 4, 1)),
    ("el primero de abril", date(2027, 4, 1)),
    ("1ro de abril", date(2027, 4, 1)),
    ("1º de abril", date(2027, 4, 1)),
    ("el 3 del 12", date(2026, 12, 3)),
    ("el tres del doce", date(2026, 12, 3)),
    ("3 de 12 de 2027", date(2027, 12, 3)),
    ("treinta y uno de diciembre", date(2026, 12, 31)),
    ("el dos de marzo", date(2027, 3, 2)),
    ("el quince", date(2026, 12, 15)),         # the next 15th
    ("el 30", date(2026, 11, 30)),
    ("el lunes 15 de marzo", date(2027, 3, 15)),
])
def test_dates_in_words_and_ordinals(text, expected):
    assert parse_date(text, TODAY).value == expected


@pytest.mark.parametrize("text", ["quince", "tengo una audiencia", "el cuarto de hotel"])
def test_a_number_in_words_alone_is_not_a_date(text):
    assert parse_date(text, TODAY).value is None


@pytest.mark.parametrize("text,expected", [
    ("08:30 AM", time(8, 30)),
    ("08:30 PM", time(20, 30)),        # the p.m. written wins over the leading zero
    ("0915", time(9, 15)),
    ("915 am", time(9, 15)),
    ("1330", time(13, 30)),
    ("2030 hrs", time(20, 30)),
    ("9 con 15", time(9, 15)),
    ("nueve con cinco", time(9, 5)),
    ("9.15", time(9, 15)),
    ("nueve quince", time(9, 15)),
    ("las ocho y veinte", time(8, 20)),
    ("12:30 AM", time(0, 30)),
    ("veinte y cinco para las 9", time(8, 35)),   # "veinte y cinco" is 25, not 20 then 5
])
def test_times_as_people_and_the_notice_write_them(text, expected):
    assert parse_time(text).value == expected


@pytest.mark.parametrize("text", ["2027", "4 horas antes", "cuatro horas antes"])
def test_a_year_or_hours_before_is_not_a_clock_time(text):
    assert parse_time(text, default_period="report").value is None


@pytest.mark.parametrize("text,minutes", [("4 horas antes", 240), ("cuatro horas antes", 240),
                                          ("una hora antes", 60), ("3 horas y media antes", 210),
                                          ("media hora antes", 30), ("0 horas antes", None),
                                          ("a las 4", None)])
def test_hours_before_the_hearing(text, minutes):
    assert minutes_before(text) == minutes


def test_four_hours_before_is_counted_from_the_hearing_time(app, phone):
    _to_date_question(phone)
    phone.talk("15/3/2027", "8:30 am")
    reply = phone.talk("4 horas antes", "no")
    assert "Presentarse en el puerto: lunes 15 de marzo de 2027, 4:30 a. m." in reply


def test_a_hearing_time_not_known_points_to_the_courts_line_and_waits_for_it(phone):
    _to_date_question(phone)
    phone.send("15/3/2027")
    reply = phone.send("no sé")
    assert "1-800-898-7180" in reply and "Busque la hora en su hoja" in reply
    assert "1-800-898-7180" in phone.send("no se")
    assert "presentarse en el puerto" in phone.send("9 con 15")
    reply = phone.talk("no se", "no")
    assert "Audiencia: lunes 15 de marzo de 2027, 9:15 a. m." in reply


def test_an_import_counts_hours_before_from_the_hearing_time(app, tmp_path):
    output = import_row(app, tmp_path, "664 123 4567,M. R.,tijuana,15/03/2027,8:30,4 horas antes,,si,si")
    assert "imported 1" in output
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT report_at FROM hearings").fetchall() == [("2027-03-15T11:30:00+00:00",)]


_PIECES = st.sampled_from(["3", "/", "4", "2027", "el", "de", "del", "am", "pm", "0", "00", "99", "horas",
                           "antes", "con", "quince", "primero", "1ro", "cuarto", "media", "Date:",
                           "March", "martes", " ", ".", "-", ":", "y", "31", "12", "0915", "2030"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES | st.text(max_size=5), max_size=12).map(" ".join))
def test_the_readers_never_crash_on_any_mix_of_date_and_time_pieces(text):
    result = parse_date(text, TODAY)
    assert result.problem != "ambiguous" or (result.value is None and len(result.readings) == 2)
    assert all(r >= TODAY for r in result.readings)
    parse_time(text)
    parse_time(text, default_period="report")
    found = minutes_before(text)
    assert found is None or found > 0


def test_a_date_copied_from_the_notice_is_read_month_first_and_said_back_at_once(app, phone):
    _to_date_question(phone)
    reply = phone.send("Hearing Date: 03/04/2027")
    assert "Su hoja está en inglés y pone primero el mes: jueves 4 de marzo de 2027." in reply
    assert "¿A qué hora es la audiencia" in phone.pick("Sí")
    phone.talk("8:30 am", "no se")
    assert "Audiencia: jueves 4 de marzo de 2027" in phone.send("no")


def test_a_notice_date_said_wrong_is_asked_again(phone):
    _to_date_question(phone)
    phone.send("03/04/2027 8:30 AM")
    assert "¿Qué día" in phone.pick("No, la escribo otra vez")


def test_a_notice_date_with_one_valid_reading_needs_no_question(phone):
    _to_date_question(phone)
    assert "¿A qué hora es la audiencia" in phone.send("Date: 03/15/2027")
