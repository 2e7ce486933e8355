"""One E.164 phone per person, whatever channel or old format the message came in."""

from __future__ import annotations

import pytest

from bot.identity import UnknownAddress, normalize_phone, parse_sender


@pytest.mark.parametrize("raw,phone,channel", [
    ("whatsapp:+5216641234567", "+526641234567", "whatsapp"),   # WhatsApp keeps the old "1"
    ("+526641234567", "+526641234567", "sms"),
    ("+5215512345678", "+525512345678", "sms"),                 # Mexico City mobile, old form
    ("WhatsApp:+526641234567", "+526641234567", "whatsapp"),
    ("+16195551234", "+16195551234", "sms"),                    # US
    ("whatsapp:+50212345678", "+50212345678", "whatsapp"),      # Guatemala
    ("+50431234567", "+50431234567", "sms"),                    # Honduras
    ("+50370123456", "+50370123456", "sms"),                    # El Salvador
    ("+50588123456", "+50588123456", "sms"),                    # Nicaragua
    (" +52 664 123 4567 ", "+526641234567", "sms"),
])
def test_addresses(raw, phone, channel):
    sender = parse_sender(raw)
    assert (sender.phone, sender.channel, sender.address) == (phone, channel, raw.strip())


def test_a_national_mexican_number_is_read_as_mexican():
    assert normalize_phone("664 123 4567") == "+526641234567"


@pytest.mark.parametrize("raw", ["", "abc", "whatsapp:", "+52", "+1234", "client:alice"])
def test_not_a_phone(raw):
    with pytest.raises(UnknownAddress):
        parse_sender(raw)
