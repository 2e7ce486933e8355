"""Every sentence is in every shipped language, and the compiled catalogs load for real."""

from __future__ import annotations

import os

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, CatalogError, Catalogs, load_catalogs

ROOT = os.path.dirname(LOCALES_DIR)
METHODS = [("bot/**.py", "python"), ("flows/**.yaml", "bot.babel_extract:extract_flows")]


def extracted() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = extract_from_dir(ROOT, METHODS, keywords=keywords,
                             directory_filter=lambda d: not os.path.basename(d).startswith("."))
    return {message for _, _, message, *_ in found}


def po(language: str):
    with open(os.path.join(LOCALES_DIR, language, "LC_MESSAGES", "messages.po"), "rb") as f:
        return read_po(f)


def test_the_template_is_up_to_date():
    with open(os.path.join(LOCALES_DIR, "messages.pot"), "rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    assert extracted() == template, "run `make catalogs`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy_or_obsolete(language):
    catalog = po(language)
    messages = {m.id: m for m in catalog if m.id}
    wanted = extracted()
    missing = sorted(m for m in wanted if m not in messages or not messages[m].string)
    fuzzy = sorted(m.id for m in messages.values() if m.fuzzy)
    assert missing == [] and fuzzy == []
    assert set(messages) == wanted, "obsolete messages: run `make catalogs`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_its_source(language):
    catalogs = Catalogs(load_catalogs())
    for message in po(language):
        if message.id:
            assert catalogs.gettext(language, message.id) == message.string, "run `make install`"


def test_catalogs_really_load_and_translate():
    catalogs = Catalogs(load_catalogs())
    assert catalogs.gettext("en", "Ayuda") == "Help"
    assert catalogs.gettext("es", "Ayuda") == "Ayuda"


def test_a_missing_catalog_is_an_error_not_a_silent_fallback(tmp_path):
    with pytest.raises(CatalogError, match="catalog 'es' not found"):
        load_catalogs(str(tmp_path))


def test_dates_are_written_in_the_persons_language_and_the_hearings_zone():
    from datetime import UTC, datetime

    catalogs = Catalogs(load_catalogs())
    moment = datetime(2027, 3, 15, 15, 30, tzinfo=UTC)
    assert catalogs.format_datetime("es", moment, "America/Los_Angeles") == \
        "lunes 15 de marzo de 2027, 8:30 a. m."
    assert catalogs.format_datetime("en", moment, "America/Denver") == \
        "Monday, March 15, 2027, 9:30 AM"
