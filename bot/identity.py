"""Who wrote: a Twilio address turned into one E.164 phone per person, and the channel used."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

WHATSAPP_PREFIX = "whatsapp:"


@dataclass(frozen=True)
class Sender:
    phone: str      # E.164, Mexican mobiles without WhatsApp's old "1"
    channel: str    # "sms" or "whatsapp"
    address: str    # exactly what to answer to on that channel


class UnknownAddress(ValueError):
    """The From of a message is not a phone number we can answer."""


def normalize_phone(raw: str, default_region: str = "MX") -> str:
    """Return the E.164 form of a phone number, dropping Mexico's old mobile "1"."""
    try:
        number = phonenumbers.parse(raw.strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise UnknownAddress("not a phone number") from exc
    national = str(number.national_number)
    # +52 1 xxx xxx xxxx: the mobile prefix Mexico retired in 2019 and WhatsApp IDs still carry.
    if number.country_code == 52 and len(national) == 11 and national.startswith("1"):
        number.national_number = int(national[1:])
    if not phonenumbers.is_possible_number(number):
        raise UnknownAddress("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_sender(from_field: str) -> Sender:
    """Read Twilio's From field, for SMS ("+52...") or WhatsApp ("whatsapp:+52...")."""
    address = (from_field or "").strip()
    if address.lower().startswith(WHATSAPP_PREFIX):
        return Sender(normalize_phone(address[len(WHATSAPP_PREFIX):]), "whatsapp", address)
    return Sender(normalize_phone(address), "sms", address)
