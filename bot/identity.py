"""Who wrote: a Twilio address turned into one E.164 phone per person, and the channel used."""

from __future__ import annotations

import re
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


@dataclass(frozen=True)
class TypedPhone:
    """A number as a volunteer or a file wrote it: one phone when there is no doubt, otherwise
    the phones it could be (none when it is no phone at all)."""
    phone: str | None
    candidates: tuple[str, ...] = ()


# Long-distance and mobile prefixes Mexico retired in 2019, still typed from habit.
_OLD_MEXICAN_PREFIXES = ("044", "045", "01")


def _valid_in(number: str, region: str) -> str | None:
    """Return the E.164 form of number read in region, if it is a valid number there."""
    try:
        e164 = normalize_phone(number, region)   # also drops WhatsApp's old +52 1
    except UnknownAddress:
        return None
    return e164 if phonenumbers.is_valid_number(phonenumbers.parse(e164)) else None


def read_typed_phone(raw: str) -> TypedPhone:
    """Read a typed phone number. Without a country code it is Mexican only when it is a valid
    Mexican number and not a valid US one: a San Diego or El Paso number must never become +52."""
    text = (raw or "").strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX):].strip()
    digits = re.sub(r"\D", "", text)
    if not 8 <= len(digits) <= 15:
        return TypedPhone(None)
    if text.startswith("+") or text.startswith("00"):
        international = "+" + (digits[2:] if text.startswith("00") else digits)
        return TypedPhone(_valid_in(international, "MX"))
    for prefix in _OLD_MEXICAN_PREFIXES:
        if digits.startswith(prefix) and len(digits) == len(prefix) + 10:
            digits = digits[len(prefix):]
    if len(digits) in (12, 13) and digits.startswith("52"):
        # 52 664 123 4567 or 521 664...: Mexico's country code typed without the +.
        return TypedPhone(_valid_in("+" + digits, "MX"))
    mexican, american = _valid_in(digits, "MX"), _valid_in(digits, "US")
    if mexican and not american:
        return TypedPhone(mexican)
    return TypedPhone(None, tuple(p for p in (mexican, american) if p))


def format_phone(e164: str) -> str:
    """Write a phone the way people read it back: +52 664 123 4567, +1 619-555-0142."""
    return phonenumbers.format_number(phonenumbers.parse(e164),
                                      phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def typed_phone(raw: str) -> str:
    """Return the phone an operator or a file typed, or raise UnknownAddress saying why not
    (never quoting the number: the reason may be printed or kept)."""
    typed = read_typed_phone(raw)
    if typed.phone:
        return typed.phone
    if len(typed.candidates) > 1:
        raise UnknownAddress("phone could be from Mexico or the US: write it with +52 or +1")
    if typed.candidates:
        raise UnknownAddress("phone is not a Mexican number and may be from the US: "
                             "write it with +1 if it is")
    raise UnknownAddress("phone is not a valid number (outside Mexico, write the country code, "
                         "e.g. +502)")
