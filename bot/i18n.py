"""Catalogs of every person-facing sentence, and dates written in the person's language."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel.support import NullTranslations, Translations
from flask import Flask

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
LOCALES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locales")


def N_(msgid: str) -> str:
    """Mark a sentence for extraction; it is translated when rendered."""
    return msgid


# Date and time patterns live in the catalogs too, so each language writes dates its own way.
DATE_PATTERN = N_("EEEE d 'de' MMMM 'de' y")
TIME_PATTERN = N_("h:mm a")


class CatalogError(RuntimeError):
    """A catalog is missing or does not load."""


def load_catalogs(locales_dir: str = LOCALES_DIR) -> dict[str, Translations]:
    """Load the compiled catalog of every shipped language, refusing a silent fallback."""
    catalogs = {}
    for language in LANGUAGES:
        catalog = Translations.load(locales_dir, [language], domain="messages")
        # Babel hands back NullTranslations when the .mo is missing: every sentence would
        # then go out as its Spanish msgid, or worse, half-translated.
        if type(catalog) is NullTranslations or not isinstance(catalog, Translations):
            raise CatalogError(
                f"catalog {language!r} not found in {locales_dir}: run `make install`")
        catalogs[language] = catalog
    return catalogs


def _plain_spaces(text: str) -> str:
    # CLDR writes "8:30 a.\u202fm."; the narrow space is not in the SMS alphabet and would turn
    # the whole message into UCS-2, more than doubling its cost.
    return text.replace("\u202f", " ").replace("\xa0", " ")


class Catalogs:
    """Translate msgids and format dates in one of the shipped languages."""

    def __init__(self, translations: dict[str, Translations]):
        self.translations = translations

    def gettext(self, language: str, msgid: str) -> str:
        language = language if language in self.translations else DEFAULT_LANGUAGE
        return self.translations[language].gettext(msgid)

    def format_date(self, language: str, day: date) -> str:
        pattern = self.gettext(language, DATE_PATTERN)
        return _plain_spaces(babel_dates.format_date(day, pattern, locale=language))

    def format_date_part(self, language: str, day: date, pattern: str) -> str:
        """One part of a date, by a CLDR pattern such as "EEEE" (weekday) or "MMMM" (month)."""
        return _plain_spaces(babel_dates.format_date(day, pattern, locale=language))

    def format_time(self, language: str, moment: datetime, zone: str) -> str:
        pattern = self.gettext(language, TIME_PATTERN)
        return _plain_spaces(
            babel_dates.format_time(moment, pattern, tzinfo=ZoneInfo(zone), locale=language))

    def format_datetime(self, language: str, moment: datetime, zone: str) -> str:
        local = moment.astimezone(ZoneInfo(zone))
        return f"{self.format_date(language, local.date())}, {self.format_time(language, local, zone)}"


def init_app(app: Flask) -> None:
    app.extensions["catalogs"] = Catalogs(load_catalogs())
