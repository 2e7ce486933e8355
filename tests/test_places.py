"""Where people wait, where they were returned through and where they must report: in the data,
in what the bot asks and says, in the reminders and in the volunteers' trip list."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from conftest import NOW, Phone, Pick, choose

from bot.context import Context
from bot.dispatch import Dispatcher
from bot.inputs import Asking, read_city, read_report_place
from bot.places import load_places
from bot.reference import load_reference
from bot.scheduler import housekeeping

UTC = dt.UTC
PLACES = load_places()
CITIES = load_reference().cities


def asking(**vars) -> Asking:
    return Asking(vars, Context(), CITIES, (), NOW)


def register(phone: Phone, name: str, *city_answers: str, date: str = "15/7/2027",
             time: str = "8:30", report: str = "no se") -> str:
    """Save a hearing by the options' labels; return the read-back before the yes."""
    reply = phone.send("hola")
    phone.send(choose(reply, "Guardar una audiencia"))
    phone.send(name)
    for answer in city_answers:
        phone.send(answer)
    phone.talk(date, time, report)
    read_back = phone.send("no")
    phone.send(choose(read_back, "Sí, guardar"))
    return read_back


def stored(app) -> list[tuple]:
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        return conn.execute("SELECT h.city, r.kind, r.due_at FROM reminders r "
                            "JOIN hearings h ON h.id = r.hearing_id WHERE r.kind <> 'monthly' "
                            "ORDER BY r.due_at").fetchall()


def sent_by(app, moments: list[dt.datetime]) -> list[str]:
    """Run the scheduler at each moment and return the bodies that went out, in order."""
    for moment in moments:
        with app.app_context():
            Dispatcher(app, sleep=lambda s: None).run(moment)
    with open(app.config["OUTBOX_PATH"]) as f:
        return [json.loads(line)["body"] for line in f]


# --- the data: FACTS section 3, one row each -----------------------------------------------------

@pytest.mark.parametrize("key,returned,report_town,court", [
    ("tijuana", "San Ysidro", "Tijuana", "San Diego"),
    ("mexicali", "Calexico", "Tijuana", "San Diego"),
    ("ciudad_juarez", "El Paso", "Ciudad Juárez", "El Paso"),
    ("nuevo_laredo", "Laredo", "Nuevo Laredo", "Laredo"),
    ("matamoros", "Brownsville", "Matamoros", "Brownsville"),
    ("piedras_negras", "Eagle Pass", "Piedras Negras", "Laredo"),
    ("nogales", "Nogales, Arizona", "Ciudad Juárez", "El Paso"),
])
def test_each_city_keeps_where_people_were_returned_apart_from_where_they_report(
        key, returned, report_town, court):
    city = PLACES.cities[key]
    assert (city.returned_through, city.report.town, city.court) == (returned, report_town, court)
    # Only the cities whose place to report is in another town plan the trip.
    assert (city.travel is not None) == (report_town != city.town)


def test_uncertain_crossings_are_the_ones_on_the_sheet_and_bridges_keep_their_local_names():
    uncertain = {p.key: p.uncertain for p in PLACES.report_places.values() if p.uncertain}
    assert uncertain == {"el_paso": "puente", "eagle_pass": "puerto"}
    assert PLACES.report_places["brownsville"].local == "Puente Nuevo"
    assert "Las Américas" in PLACES.report_places["laredo"].port


# --- reading the city -----------------------------------------------------------------------

@pytest.mark.parametrize("typed,key", [
    ("juaritos", "ciudad_juarez"), ("TJ", "tijuana"), ("el chaparral", "tijuana"),
    ("estoy en mexicali", "mexicali"), ("Nogales Sonora", "nogales"),
    ("vivo en Monterrey y mi corte es en Laredo", "monterrey@laredo"),
    ("cdmx, la hoja dice el paso", "mexico_city@el_paso"),
])
def test_cities_and_their_nicknames_are_read(typed, key):
    assert read_city(typed, asking()).value == key


@pytest.mark.parametrize("typed,home", [
    ("Monterrey", "monterrey"), ("reynosa", "reynosa"), ("Saltillo", "saltillo"),
    ("Ciudad Acuña", "acuna"), ("hermosillo", "hermosillo"), ("CDMX", "mexico_city"),
    ("otra ciudad", "otra"), ("8", "otra"),
])
def test_a_city_away_from_the_list_asks_for_the_port_on_the_paper(typed, home):
    answer = read_city(typed, asking(city="tijuana"))
    # The city already in the draft stays until the port is named.
    assert (answer.outcome, answer.value, answer.fields) == ("elsewhere", "tijuana", {"home": home})


def test_a_city_nobody_knows_is_asked_again_never_guessed():
    assert read_city("San Luis Río Colorado", asking()).outcome is None
    assert read_report_place("la corte de allá", asking(home="monterrey")).outcome is None
    assert read_report_place("eagle pass", asking(home="monterrey")).value == "monterrey@eagle_pass"


def test_monterrey_names_laredo_and_sees_both_clocks(app):
    phone = Phone(app)
    reply = phone.talk("hola", Pick("Guardar una audiencia"), "Ana")
    assert "Otra ciudad" in reply
    asked = phone.send("Monterrey")
    assert "¿Qué puerto o corte dice su hoja?" in asked
    assert "Busque en su hoja" in phone.send("la de allá")     # asked again, nothing guessed
    phone.send(choose(asked, "Laredo"))
    read_back = phone.talk("15/7/2027", "8:30", "no se", "no")
    assert "Ciudad: Monterrey" in read_back
    assert ("Audiencia: jueves 15 de julio de 2027, 8:30 a. m., hora de Laredo, que son las "
            "7:30 a. m. en Monterrey") in read_back
    assert 'Lugar para presentarse: puente I "Las Américas" (Nuevo Laredo)' in read_back
    phone.send(choose(read_back, "Sí, guardar"))
    planned = stored(app)
    assert {city for city, *_ in planned} == {"monterrey@laredo"}
    # Its reminders keep Monterrey's clock: 10:00 there, three days before, to set out.
    assert ("monterrey@laredo", "travel", "2027-07-12T16:00:00+00:00") in planned


def test_otra_ciudad_by_its_label_reports_where_the_paper_says(app):
    phone = Phone(app)
    reply = phone.talk("hola", Pick("Guardar una audiencia"), "Ana")
    asked = phone.send(choose(reply, "Otra ciudad"))
    phone.send(choose(asked, "El Paso"))
    read_back = phone.talk("15/7/2027", "8:30", "4:30", "no")
    assert "Ciudad: otra ciudad" in read_back
    assert "Lugar para presentarse: el puente que dice su hoja (Ciudad Juárez)" in read_back
    assert "que son las" not in read_back        # their own clock is not known: one clock only


def test_the_volunteers_city_question_takes_other_cities_too(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shelters", "add", "Casa", "--city", "tijuana"]).exit_code == 0
    assert runner.invoke(args=["volunteers", "add", "664 555 0001", "--shelter", "Casa"]).exit_code == 0
    volunteer = Phone(app, "whatsapp:+5216645550001")
    volunteer.talk("VOLUNTARIO", Pick("Registrar a una persona"), "664 123 4567", Pick("Sí"), "M. R.")
    asked = volunteer.send("saltillo")
    assert "¿Qué puerto o corte dice su hoja?" in asked
    consent = volunteer.talk(choose(asked, "Eagle Pass"), "15/7/2027", "8:30", "no se", "no")
    read_back = volunteer.send(choose(consent, "Sí, aceptó"))
    assert "Ciudad: Saltillo" in read_back
    assert "Lugar para presentarse: el puerto que dice su hoja (Piedras Negras)" in read_back


# --- Mexicali and Nogales: the right place, and the trip three days before ----------------------

def test_mexicali_reminders_name_san_ysidro_and_the_trip_three_days_before(app):
    read_back = register(Phone(app), "Ana", "mexicali", date="15/3/2027", report="4:30")
    assert "Lugar para presentarse: San Ysidro (Tijuana)" in read_back
    planned = [(kind, due) for _, kind, due in stored(app)]
    assert planned == [("week_before", "2027-03-08T17:00:00+00:00"),
                       ("travel", "2027-03-12T18:00:00+00:00"),      # 10:00 in Mexicali
                       ("day_before", "2027-03-15T00:00:00+00:00"),
                       ("day_after", "2027-03-16T17:00:00+00:00")]
    week, travel, day = sent_by(app, [dt.datetime.fromisoformat(due) for _, due in planned[:3]])
    for body in (week, travel, day):
        assert "San Ysidro (Tijuana)" in body and "Calexico" not in body
    assert "Son mas de 160 km de camino. Salga dias antes." in week
    assert "Tijuana queda a mas de 160 km de Mexicali. Tiene que ir por su cuenta." in travel
    assert "el dia antes es tarde" in travel
    assert "160 km" not in day


def test_nogales_reminders_name_ciudad_juarez_on_both_clocks_and_the_trip(app):
    register(Phone(app), "Ana", "nogales", date="13/7/2027", time="8:30", report="4:30")
    planned = {kind: dt.datetime.fromisoformat(due) for _, kind, due in stored(app)}
    assert planned["travel"].isoformat() == "2027-07-10T17:00:00+00:00"   # 10:00 in Nogales
    week, travel, day = sent_by(app, [planned["week_before"], planned["travel"],
                                      planned["day_before"]])
    for body in (week, travel, day):
        assert "el puente que dice su hoja (Ciudad Juarez)" in body and "Arizona" not in body
        assert "4:30 a. m., hora de El Paso, que son las 3:30 a. m. en Nogales" in body
    assert "Son de 7 a 8 horas de camino. Salga dias antes." in week
    assert "Tiene que ir por su cuenta" in travel


def test_tijuana_has_no_trip_to_plan(app):
    register(Phone(app), "Ana", "tijuana", date="15/3/2027", report="4:30")
    assert "travel" not in {kind for _, kind, _ in stored(app)}
    (week,) = sent_by(app, [dt.datetime(2027, 3, 8, 17, 0, tzinfo=UTC)])
    assert "Salga" not in week and "San Ysidro (Tijuana)" in week


def test_a_nogales_hearing_saved_after_the_trip_reminder_says_the_trip_at_once(app):
    late = Phone(app, now=dt.datetime(2027, 7, 11, 18, 0, tzinfo=UTC))
    reply = late.talk("hola", Pick("Guardar una audiencia"), "Ana", "nogales", "13/7/2027", "8:30", "no se",
                      "no")
    saved = late.send(choose(reply, "Sí, guardar"))
    assert "Su audiencia es en pocos días." in saved
    assert "De Nogales a Ciudad Juárez son de 7 a 8 horas de camino." in saved


# --- the volunteers' trip list ----------------------------------------------------------------

def test_the_trip_list_groups_by_where_people_report_not_where_they_were_returned(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shelters", "add", "Casa", "--city", "tijuana"]).exit_code == 0
    assert runner.invoke(args=["volunteers", "add", "664 555 0001", "--shelter", "Casa"]).exit_code == 0
    volunteer = Phone(app, "whatsapp:+5216645550001")
    volunteer.send("VOLUNTARIO")
    for phone, name, city, time in (("664 123 4567", "M. R.", "tijuana", "9:00"),
                                    ("686 123 4567", "J. L.", "mexicali", "8:00"),
                                    ("656 123 4567", "A. P.", "juarez", "8:30")):
        volunteer.talk(Pick("Registrar a una persona"), phone, Pick("Sí"), name, city, "25/11/2026", time,
                       "no se", "no", Pick("Sí, aceptó"), Pick("Sí, registrar"))
    listing = volunteer.talk(Pick("Audiencias de los próximos días"), "7")
    assert ("miércoles 25 de noviembre de 2026 - San Ysidro (Tijuana):\n"
            "- J. L. (Mexicali): hora para presentarse: ver su hoja\n"
            "- M. R.: hora para presentarse: ver su hoja\n"
            "miércoles 25 de noviembre de 2026 - el puente que dice su hoja (Ciudad Juárez):\n"
            "- A. P.: hora para presentarse: ver su hoja") in listing
    assert "Calexico" not in listing


def test_hearings_planned_before_the_trip_reminder_get_it_from_the_daily_housekeeping(app):
    register(Phone(app), "Ana", "nogales", date="13/7/2027", report="4:30")
    register(Phone(app, "whatsapp:+5216311234567"), "Luis", "nogales", date="14/7/2027")
    Phone(app, "whatsapp:+5216311234567").send("BAJA")
    with sqlite3.connect(app.config["DATABASE"]) as conn:   # as a plan made before this change
        conn.execute("DELETE FROM reminders WHERE kind = 'travel'")
    housekeeping(app, NOW + dt.timedelta(days=1))
    housekeeping(app, NOW + dt.timedelta(days=2))           # a second day adds nothing more
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        trips = conn.execute("SELECT due_at, status FROM reminders WHERE kind = 'travel'").fetchall()
    # Luis said BAJA: nothing is planned for him.
    assert trips == [("2027-07-10T17:00:00+00:00", "pending")]


def test_an_import_names_a_city_away_from_the_list_with_its_port(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["shelters", "add", "Casa", "--city", "tijuana"]).exit_code == 0
    path = tmp_path / "people.csv"
    path.write_text("phone,name,city,date,time,report_time,a_number,whatsapp,consent\n"
                    "664 123 4567,M. R.,monterrey@laredo,15/07/2027,8:30,,,si,si\n"
                    "664 123 9999,J. L.,monterrey,15/07/2027,8:30,,,si,si\n", encoding="utf-8")
    result = runner.invoke(args=["contacts", "import", str(path), "--shelter", "Casa"])
    assert "line 3: city is not on the list: write where the person waits and the port on the " \
           "paper, e.g. monterrey@laredo" in result.output
    assert "imported 1" in result.output
    assert {city for city, *_ in stored(app)} == {"monterrey@laredo"}


def test_whatsapp_templates_name_the_place_and_carry_the_trip(tmp_path, twilio):
    from test_reminders import make_app

    templates = {"TWILIO_TEMPLATE_WEEK_BEFORE": "HX" + "1" * 32,
                 "TWILIO_TEMPLATE_TRAVEL": "HX" + "5" * 32}
    app = make_app(tmp_path, twilio, **templates)
    register(Phone(app), "Ana", "mexicali", date="15/3/2027", report="4:30")
    due = {kind: dt.datetime.fromisoformat(at) for _, kind, at in stored(app)}
    variables = []
    for kind in ("week_before", "travel"):
        with app.app_context():
            Dispatcher(app, sleep=lambda s: None).run(due[kind])
        sent = twilio.requests[-1]["form"]
        assert sent["ContentSid"] == templates[f"TWILIO_TEMPLATE_{kind.upper()}"]
        variables.append(json.loads(sent["ContentVariables"]))
    week, travel = variables
    assert week["3"] == "San Ysidro (Tijuana)"
    assert week["4"] == ("Preséntese en San Ysidro (Tijuana) ese día: 4:30 a. m., hora de San Diego. "
                         "Son más de 160 km de camino. Salga días antes.")
    assert travel["4"] == ("Tijuana queda a más de 160 km de Mexicali. Tiene que ir por su cuenta. "
                           "Salga días antes: el día antes es tarde.")
    assert all("\n" not in value for v in variables for value in v.values())
