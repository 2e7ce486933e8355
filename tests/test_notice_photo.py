"""A photo of the hearing notice, start to finish: the webhook queues it, a dispatch pass reads it
and sends the read-back, a yes saves the paper's date; the photo is gone at Twilio and never on
disk; a MediaUrl anywhere but the Twilio API is never requested."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import xml.etree.ElementTree as ET

import pytest
from conftest import TOKEN, sign
from notice_pictures import notice
from twilio_fake import ACCOUNT, FakeTwilio

from bot import create_app, media
from bot.scheduler import dispatch_once

UTC = dt.UTC
URL = "https://bot.example.org/twilio/messages"
ADDRESS = "whatsapp:+5216641234567"
_sids = iter(range(1, 10_000))


def make_app(tmp_path, twilio):
    return create_app({
        "TESTING": True, "DATABASE": str(tmp_path / "db.sqlite3"), "SECRET_KEY": "k",
        "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_SMS_FROM": "+15005550006", "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": twilio.url, "PUBLIC_BASE_URL": "https://bot.example.org",
        "SEND_RATE_PER_SECOND": 0, "BACKUP_DIR": str(tmp_path / "backups")}, instance_path=tmp_path)


@pytest.fixture
def app(tmp_path, twilio):
    return make_app(tmp_path, twilio)


def post(app, body: str = "", media_url: str | None = None, kind: str = "image/jpeg",
         address: str = ADDRESS) -> str:
    """Send a signed message, as Twilio does; return the reply's text."""
    form = {"From": address, "Body": body, "MessageSid": f"SM{next(_sids):032d}", "NumMedia": "0"}
    if media_url:
        form.update(NumMedia="1", MediaUrl0=media_url, MediaContentType0=kind,
                    MessageSid=f"MM{next(_sids):032d}")
    response = app.test_client().post("/twilio/messages", data=form,
                                      headers={"X-Twilio-Signature": sign(URL, form)})
    assert response.status_code == 200
    return "\n\n".join(m.text or "" for m in ET.fromstring(response.data).iter("Message"))


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def sent(twilio) -> list[str]:
    return [r["form"].get("Body") or "" for r in twilio.requests]


def paper(seed: int, layout: str):
    return notice(seed, now().date(), layout=layout, plain=True)


def files_holding(root, data: bytes) -> list[str]:
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                if data[:4096] in f.read():
                    found.append(name)
    return found


def test_a_photo_of_the_tear_sheet_is_read_back_and_a_yes_saves_the_papers_date(app, twilio, tmp_path):
    sheet = paper(1, "tear_sheet")
    message_sid, url = twilio.add_media(sheet.jpeg)
    reply = post(app, media_url=url)
    assert "Recibí la foto de su hoja" in reply and "se borra después de leerla" in reply
    assert twilio.media_gets == []   # the web worker never fetches a photo

    report = dispatch_once(app, now())
    assert report.outcomes.get("photo_read") == 1
    (readback,) = sent(twilio)
    assert "Revise sus datos" in readback and "¿Está todo bien?" in readback
    weekday = ("lunes", "martes", "miércoles", "jueves", "viernes")[sheet.day.weekday()]
    assert weekday in readback.lower()
    # Gone at Twilio (its Media DELETE) and never written to disk.
    assert twilio.media == {} and len(twilio.deleted) == 1 and message_sid in twilio.deleted[0]
    assert files_holding(tmp_path, sheet.jpeg) == []

    saved = post(app, "1")
    assert "Guardado" in saved
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        (starts_at,) = conn.execute("SELECT starts_at FROM hearings").fetchone()
        planned = conn.execute("SELECT count(*) FROM reminders WHERE status = 'pending'").fetchone()[0]
        photo = conn.execute("SELECT status, media_path FROM notice_photos").fetchone()
    local = dt.datetime.fromisoformat(starts_at).astimezone(dt.timezone(dt.timedelta(hours=-8)))
    assert local.date() == sheet.day   # month first, as the paper writes it
    assert planned >= 2
    assert photo == ("read", None)


def test_what_the_paper_does_not_say_is_asked_after_the_reading(app, twilio):
    court = paper(3, "hearing_notice")   # the court's address names no single waiting city
    post(app, media_url=twilio.add_media(court.jpeg)[1])
    dispatch_once(app, now())
    (reply,) = sent(twilio)
    assert "Leí la foto de su hoja" in reply and "¿En qué ciudad" in reply


def test_a_photo_in_the_middle_of_a_registration_fills_that_draft(app, twilio):
    from conftest import choose

    menu = post(app, "hola")
    post(app, choose(menu, "Guardar una audiencia"))
    post(app, "Rosa Elena")   # typed before the photo: kept, not replaced by the paper's name
    sheet = paper(4, "tear_sheet")
    post(app, media_url=twilio.add_media(sheet.jpeg)[1])
    dispatch_once(app, now())
    (readback,) = sent(twilio)
    assert "Revise sus datos" in readback and "Rosa Elena" in readback


def test_the_second_photo_is_answered_without_the_explanation(app, twilio):
    first = post(app, media_url=twilio.add_media(paper(1, "tear_sheet").jpeg)[1])
    second = post(app, media_url=twilio.add_media(paper(4, "tear_sheet").jpeg)[1])
    assert "se borra" in first and "se borra" not in second and "Recibí la foto" in second


@pytest.mark.parametrize("host", ["another", "user", "path"])
def test_a_media_url_anywhere_else_is_refused_before_any_request(app, twilio, host):
    other = FakeTwilio()   # the same paths on another origin
    try:
        _, url = other.add_media(paper(1, "tear_sheet").jpeg)
        if host == "user":
            url = url.replace("http://", f"http://x@{twilio.url.removeprefix('http://')}@")
        if host == "path":
            url = twilio.url + "/2010-04-01/Accounts/" + ACCOUNT + "/Messages.json"
        reply = post(app, media_url=url)
        assert "No pude abrir esa foto" in reply
        dispatch_once(app, now())
        assert other.media_gets == [] and twilio.media_gets == [] and sent(twilio) == []
    finally:
        other.close()


def test_a_pdf_gets_a_clear_answer(app, twilio):
    reply = post(app, media_url=twilio.add_media(b"%PDF-1.4", "application/pdf")[1],
                 kind="application/pdf")
    assert "PDF" in reply
    dispatch_once(app, now())
    assert twilio.media_gets == []


def test_a_photo_that_cannot_be_read_gets_a_kind_answer_and_the_chat(app, twilio):
    post(app, media_url=twilio.add_media(b"\xff\xd8 not a picture at all")[1])
    report = dispatch_once(app, now())
    assert report.outcomes.get("photo_unreadable") == 1
    (reply,) = sent(twilio)
    assert "No pude leer la foto" in reply and "¿Cómo se llama" in reply
    assert twilio.media == {}


def test_a_voice_note_keeps_its_answer(app, twilio):
    reply = post(app, media_url=twilio.add_media(b"OggS", "audio/ogg")[1], kind="audio/ogg")
    assert "notas de voz" in reply


def test_the_download_stops_at_five_megabytes(twilio):
    _, url = twilio.add_media(b"\xff" * (media.MAX_BYTES + 1))
    config = {"TWILIO_API_BASE_URL": twilio.url, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN}
    with pytest.raises(media.FetchFailed, match="too_large"):
        media.download(media.media_path(url, config), config)


def test_a_redirect_to_another_host_is_not_followed(monkeypatch):
    import requests

    class Redirect:
        is_redirect, status_code, url = True, 307, "https://api.twilio.com/x"
        headers = {"Location": "https://elsewhere.example/photo.jpg"}

        def close(self):
            pass

    calls = []

    def get(self, url, **kwargs):
        calls.append(url)
        return Redirect()

    monkeypatch.setattr(requests.Session, "get", get)
    config = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN}
    path = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{'1' * 32}/Media/ME{'2' * 32}"
    with pytest.raises(media.Refused):
        media.download(path, config)
    assert calls == ["https://api.twilio.com" + path]


@pytest.mark.parametrize("count", ["²", "٣", "-1", "99999999999", ""])
def test_an_odd_media_count_is_no_photo_and_no_crash(app, twilio, count):
    from conftest import Phone

    _, url = twilio.add_media(paper(1, "tear_sheet").jpeg)
    reply = Phone(app).send("", NumMedia=count, MediaUrl0=url, MediaContentType0="image/jpeg")
    assert "Recibí la foto" not in reply and reply


def test_a_volunteer_registering_someone_can_send_their_paper(app, twilio):
    from conftest import choose

    runner = app.test_cli_runner()
    assert runner.invoke(args=["shelters", "add", "Casa del Migrante", "--city", "tijuana"]).exit_code == 0
    assert runner.invoke(args=["volunteers", "add", "664 555 0001", "--shelter",
                               "Casa del Migrante"]).exit_code == 0
    volunteer = "whatsapp:+5216645550001"
    menu = post(app, "VOLUNTARIO", address=volunteer)
    post(app, choose(menu, "Registrar a una persona"), address=volunteer)
    post(app, "664 123 4567", address=volunteer)
    post(app, "1", address=volunteer)   # uses WhatsApp
    sheet = paper(1, "tear_sheet")
    assert "Recibí la foto" in post(app, media_url=twilio.add_media(sheet.jpeg)[1], address=volunteer)
    dispatch_once(app, now())
    (reply,) = sent(twilio)
    # The paper filled the rest; the person's consent is still asked before the read-back.
    assert "Leí la foto" in reply and "aceptó" in reply
    readback = post(app, "1", address=volunteer)
    assert "Revise los datos" in readback and sheet.a_number[-3:] in readback
    assert "registr" in post(app, "1", address=volunteer).lower()
    with sqlite3.connect(app.config["DATABASE"]) as conn:
        assert conn.execute("SELECT count(*) FROM hearings").fetchone()[0] == 1


def test_a_volunteer_photo_outside_a_registration_keeps_the_old_answer(app, twilio):
    runner = app.test_cli_runner()
    runner.invoke(args=["shelters", "add", "Casa del Migrante", "--city", "tijuana"])
    runner.invoke(args=["volunteers", "add", "664 555 0001", "--shelter", "Casa del Migrante"])
    reply = post(app, media_url=twilio.add_media(paper(1, "tear_sheet").jpeg)[1],
                 address="whatsapp:+5216645550001")
    assert "Recibí la foto" not in reply and "fotos" in reply


def test_the_web_worker_never_loads_the_reader(tmp_path):
    """The webhook answers a photo without the OCR in its process: its latency does not depend
    on photos being read (that is the scheduler's work)."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(f"""
        import sys
        from bot import create_app
        from conftest import Phone
        app = create_app({{"TESTING": True, "DATABASE": {str(tmp_path / "db.sqlite3")!r},
                          "SECRET_KEY": "k", "TWILIO_ACCOUNT_SID": {ACCOUNT!r},
                          "TWILIO_AUTH_TOKEN": "t", "TWILIO_SMS_FROM": "+15005550006",
                          "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
                          "PUBLIC_BASE_URL": "https://bot.example.org",
                          "BACKUP_DIR": {str(tmp_path / "b")!r}}}, instance_path={str(tmp_path)!r})
        url = "http://127.0.0.1:9/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{'1' * 32}/Media/ME{'2' * 32}"
        reply = Phone(app).send("", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg")
        assert "Recibí la foto" in reply, reply
        loaded = [m for m in ("rapidocr_onnxruntime", "onnxruntime") if m in sys.modules]
        from bot import ocr
        print("loaded:", loaded, "models:", ocr._engine is not None)
    """)
    tests = os.path.dirname(__file__)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=tests, env={**os.environ, "PYTHONPATH": tests})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "loaded: [] models: False" in done.stdout
