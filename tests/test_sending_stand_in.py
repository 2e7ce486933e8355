"""The Twilio stand-in answers as Twilio does where its OpenAPI description cannot say: the
refusals of its error dictionary, the Messages list with its filters, late answers."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio_fake import ACCOUNT

FROM, SERVICE = "+15005550006", "MG" + "2" * 32


def client(twilio, timeout: float = 5) -> Client:
    twilio_client = Client(ACCOUNT, "token", http_client=TwilioHttpClient(timeout=timeout))
    twilio_client.api.base_url = twilio.url
    return twilio_client


@pytest.mark.parametrize("params, code, message", [
    ({"body": "Hola"}, 21603,
     "A 'From' or 'MessagingServiceSid' parameter is required to send a message"),
    ({"from_": FROM}, 21602, "Message body is required"),
    ({"messaging_service_sid": SERVICE}, 21619,
     "A Message Body, Media URL or Content SID is required"),
    ({"from_": FROM, "body": "x" * 1601}, 21617,
     "The concatenated message body exceeds the 1600 character limit"),
    ({"from_": FROM, "body": "🙂" * 801}, 21617,         # 1,602 UTF-16 units
     "The concatenated message body exceeds the 1600 character limit"),
])
def test_what_twilio_refuses_is_refused_with_its_code(twilio, params, code, message):
    with pytest.raises(TwilioRestException) as refused:
        client(twilio).messages.create(to="+526641234567", **params)
    assert (refused.value.status, refused.value.code) == (400, code)
    assert refused.value.msg == f"Unable to create record: {message}"
    assert twilio.messages == []


@pytest.mark.parametrize("params", [
    {"from_": FROM, "body": "x" * 1600},
    {"from_": FROM, "body": "🙂" * 800},
    {"messaging_service_sid": SERVICE, "content_sid": "HX" + "1" * 32,
     "content_variables": '{"1": "Ana"}'},
    {"from_": FROM, "media_url": ["https://example.org/a.png"]},
])
def test_what_twilio_takes_is_taken(twilio, params):
    sent = client(twilio).messages.create(to="+526641234567", **params)
    assert sent.status == "queued" and sent.date_sent is None
    assert [m["sid"] for m in twilio.messages] == [sent.sid]


def test_the_messages_list_filters_by_to_and_by_the_day_sent(twilio):
    days = [dt.datetime(2027, 3, d, 23, 59, tzinfo=dt.UTC) for d in (13, 14, 15)]
    for day in days:
        twilio.clock = lambda day=day: day
        for to in ("+526641234567", "whatsapp:+5216641234567"):
            client(twilio).messages.create(to=to, from_=FROM, body=f"{to} {day.day}")
    api = client(twilio)
    sms = api.messages.list(to="+526641234567")
    assert [m.body for m in sms] == ["+526641234567 15", "+526641234567 14", "+526641234567 13"]
    assert sms[0].direction == "outbound-api" and sms[0].date_sent == days[2].replace(second=0)
    after = api.messages.list(to="whatsapp:+5216641234567", date_sent_after=days[1])
    assert [m.body for m in after] == ["whatsapp:+5216641234567 15", "whatsapp:+5216641234567 14"]
    assert [m.body for m in api.messages.list(to="+526641234567", date_sent=days[0])] == [
        "+526641234567 13"]
    assert len(api.messages.list(date_sent_before=days[1])) == 4
    assert len(api.messages.list(to="+526641234567", limit=2, page_size=1)) == 2    # pages
    assert [lookup["query"].get("To") for lookup in twilio.lookups][:2] == [
        "+526641234567", "whatsapp:+5216641234567"]


def test_a_late_answer_comes_after_the_client_gave_up_but_the_message_was_taken(twilio):
    twilio.script = [("hang", 3)]
    with pytest.raises(requests.exceptions.ReadTimeout):
        client(twilio, timeout=1).messages.create(to="+526641234567", from_=FROM, body="Hola")
    assert [m["body"] for m in twilio.messages] == ["Hola"]
    assert [m.body for m in client(twilio).messages.list(to="+526641234567")] == ["Hola"]


def test_a_stall_takes_nothing(twilio):
    twilio.script = [("stall", 3)]
    with pytest.raises(requests.exceptions.ReadTimeout):
        client(twilio, timeout=1).messages.create(to="+526641234567", from_=FROM, body="Hola")
    assert twilio.messages == [] and len(twilio.requests) == 1


def test_a_list_can_be_refused_too(twilio):
    twilio.list_script = [(500, 20500)]
    with pytest.raises(Exception, match="Unable to fetch page"):
        client(twilio).messages.list(to="+526641234567")
    assert client(twilio).messages.list(to="+526641234567") == []
