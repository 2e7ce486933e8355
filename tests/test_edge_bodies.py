"""Bodies: an oversized or over-split form is refused (413) before it is read or its signature checked."""

from __future__ import annotations

import io
import json
import tracemalloc
from urllib.parse import urlencode

import pytest
from conftest import sign
from werkzeug.test import EnvironBuilder

from bot.webhook import MAX_BODY_BYTES, MAX_FORM_FIELDS

URL = "http://localhost/twilio/messages"
FIVE_MB = 5 * 1024 * 1024


class Endless(io.RawIOBase):
    """A request body of `size` bytes made on demand, counting what the server reads of it."""

    def __init__(self, size: int):
        self.size, self.read_so_far = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_so_far)
        buffer[:n] = b"a" * n
        self.read_so_far += n
        return n


def call(app, environ: dict) -> str:
    """Run one request straight through the WSGI app and return its status line."""
    status = []
    body = app.wsgi_app(environ, lambda s, headers, exc_info=None: status.append(s))
    b"".join(body)
    return status[0]


def environ(body, length: int | None, path: str = "/twilio/messages") -> dict:
    env = EnvironBuilder(path=path, method="POST",
                         content_type="application/x-www-form-urlencoded",
                         headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}).get_environ()
    env["wsgi.input"] = body
    if length is None:
        env.pop("CONTENT_LENGTH", None)
        env["wsgi.input_terminated"] = True   # a server that ends chunked bodies itself
    else:
        env["CONTENT_LENGTH"] = str(length)
    return env


def events(handler) -> list[str]:
    return [json.loads(line)["event"] for line in handler.lines]


@pytest.mark.parametrize("path", ["/twilio/messages", "/twilio/status"])
def test_a_five_megabyte_body_gets_413_at_once_without_being_read(app, no_numbers_in_logs, path):
    body = Endless(FIVE_MB)
    env = environ(body, FIVE_MB, path)
    tracemalloc.start()
    try:
        status = call(app, env)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status.startswith("413")
    assert body.read_so_far == 0
    assert peak < FIVE_MB / 20
    # Refused for its size, before anyone looked at its (bad) signature.
    assert "request_too_large" in events(no_numbers_in_logs)
    assert "signature_rejected" not in events(no_numbers_in_logs)


def test_a_body_without_a_length_is_read_only_up_to_the_limit(app, no_numbers_in_logs):
    body = Endless(FIVE_MB)
    tracemalloc.start()
    try:
        status = call(app, environ(body, None))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status.startswith("413")
    assert body.read_so_far <= MAX_BODY_BYTES + 64 * 1024
    assert peak < FIVE_MB / 10
    assert "signature_rejected" not in events(no_numbers_in_logs)


def test_too_many_fields_get_413_before_the_signature_is_checked(client, no_numbers_in_logs):
    form = {f"f{n}": "" for n in range(MAX_FORM_FIELDS + 1)}
    data = urlencode(form)
    assert len(data) < MAX_BODY_BYTES   # small, yet made of fields
    response = client.post("/twilio/messages", data=data,
                           content_type="application/x-www-form-urlencoded",
                           headers={"X-Twilio-Signature": sign(URL, form)})
    assert response.status_code == 413
    assert "signature_rejected" not in events(no_numbers_in_logs)


def test_too_many_multipart_fields_get_413_too(client):
    form = {f"f{n}": "x" for n in range(MAX_FORM_FIELDS + 1)}
    response = client.post("/twilio/messages", data=form, content_type="multipart/form-data",
                           headers={"X-Twilio-Signature": sign(URL, form)})
    assert response.status_code == 413


def test_twilios_largest_form_fits(client):
    """Ten media, a WhatsApp referral and a 4,096-character text of three-byte characters."""
    form = {"From": "whatsapp:+5216641234567", "To": "whatsapp:+15005550006",
            "Body": "你" * 4096, "MessageSid": "MM" + "a" * 32, "NumMedia": "10",
            **{f"MediaUrl{n}": f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/"
               f"Messages/MM{'a' * 32}/Media/ME{n:032d}" for n in range(10)},
            **{f"MediaContentType{n}": "image/jpeg" for n in range(10)},
            **{f"Field{n}": "x" * 40 for n in range(40)}}
    response = client.post("/twilio/messages", data=form,
                           headers={"X-Twilio-Signature": sign(URL, form)})
    assert response.status_code == 200
