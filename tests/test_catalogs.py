"""Every sentence is in every shipped language, and the compiled catalogs load for real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, CatalogError, Catalogs, load_catalogs
from bot.views import placeholders

ROOT = os.path.dirname(LOCALES_DIR)
METHODS = [("bot/**.py", "python"), ("flows/**.yaml", "bot.babel_extract:extract_flows")]


def extracted() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = extract_from_dir(ROOT, METHODS, keywords=keywords,
                             directory_filter=lambda d: not os.path.basename(d).startswith("."))
    return {message for _, _, message, *_ in found}


def po(language: str, locales: str = LOCALES_DIR):
    with open(os.path.join(locales, language, "LC_MESSAGES", "messages.po"), "rb") as f:
        return read_po(f)


def unfinished(catalog, wanted: set[str]) -> tuple[list[str], list[str]]:
    """The wanted messages without a translation, and the fuzzy ones (a suggestion nobody
    has checked yet)."""
    messages = {m.id: m for m in catalog if m.id}
    missing = sorted(m for m in wanted if m not in messages or not messages[m].string)
    fuzzy = sorted(m.id for m in messages.values() if m.fuzzy)
    return missing, fuzzy


def test_the_template_is_up_to_date():
    with open(os.path.join(LOCALES_DIR, "messages.pot"), "rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    assert extracted() == template, "run `make catalogs`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy_or_obsolete(language):
    catalog = po(language)
    wanted = extracted()
    assert unfinished(catalog, wanted) == ([], [])
    assert {m.id for m in catalog if m.id} == wanted, "obsolete messages: run `make catalogs`"


DIGITS = re.compile(r"\d+")


def changed_meaning(pairs) -> list[tuple[str, str]]:
    """The translations whose placeholders or numbers differ from their Spanish sentence's."""
    return [(spanish, english) for spanish, english in pairs
            if placeholders(spanish) != placeholders(english)
            or Counter(DIGITS.findall(spanish)) != Counter(DIGITS.findall(english))]


def test_english_keeps_every_placeholder_and_number_of_the_spanish():
    assert changed_meaning((m.id, m.string) for m in po("en") if m.id) == []


def test_a_changed_number_or_placeholder_is_caught():
    spanish = "Preséntese en {port} a las 4:30, unas 4 horas antes. Llame al 1-800-898-7180."
    assert changed_meaning([
        (spanish, "Report at {port} at 4:30, about 4 hours before. Call 1-800-898-7180."),
        (spanish, "Report at {port} at 4:00, about 4 hours before. Call 1-800-898-7180."),
        (spanish, "Report at the port at 4:30, about 4 hours before. Call 1-800-898-7180."),
        (spanish, "Report at {port} at 4:30, about four hours before. Call 1-800-898-7180."),
    ]) == [(spanish, e) for e in (
        "Report at {port} at 4:00, about 4 hours before. Call 1-800-898-7180.",
        "Report at the port at 4:30, about 4 hours before. Call 1-800-898-7180.",
        "Report at {port} at 4:30, about four hours before. Call 1-800-898-7180.")]


EDITED = "La corte le da un intérprete gratis."
OLD_ENGLISH = "The court gives you a free interpreter."


@pytest.fixture
def project_copy(tmp_path):
    """The parts of the project `make catalogs` reads and writes, in a folder of their own."""
    for name in ("bot", "flows", "locales"):
        shutil.copytree(os.path.join(ROOT, name), tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    for name in ("Makefile", "babel.cfg"):
        shutil.copy(os.path.join(ROOT, name), tmp_path / name)
    return tmp_path


def make_catalogs(folder) -> None:
    venv = os.path.dirname(os.path.dirname(sys.executable))
    # -o: the copy has no pyproject.toml; the installed environment is taken as it is.
    result = subprocess.run(["make", "--no-print-directory", "catalogs", f"VENV={venv}",
                             "-o", f"{venv}/.installed"], cwd=folder, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_make_catalogs_keeps_an_edited_sentences_old_english_as_a_fuzzy_suggestion(project_copy):
    assert any(m.id.startswith(EDITED) and m.string.startswith(OLD_ENGLISH) for m in po("en"))
    rights = project_copy / "flows" / "rights.yaml"
    rights.write_text(rights.read_text(encoding="utf-8").replace(
        EDITED, "La corte le da un intérprete, y no le cobra."), encoding="utf-8")
    make_catalogs(project_copy)
    locales = str(project_copy / "locales")
    english = {m.id: m for m in po("en", locales) if m.id}
    edited = english["La corte le da un intérprete, y no le cobra. Los papeles que dé a la "
                     "corte deben estar en inglés, o llevar una traducción certificada."]
    assert edited.fuzzy and edited.string.startswith(OLD_ENGLISH)
    assert not any(m.startswith(EDITED) for m in english)        # no obsolete copy is kept
    wanted = {m for m in english}
    assert unfinished(po("en", locales), wanted) == ([], [edited.id])   # the test still fails
    spanish = {m.id: m for m in po("es", locales) if m.id}
    assert spanish[edited.id].string == edited.id and not spanish[edited.id].fuzzy
    assert unfinished(po("es", locales), wanted) == ([], [])


def test_make_catalogs_changes_nothing_when_no_sentence_changed(project_copy):
    before = {lang: (project_copy / "locales" / lang / "LC_MESSAGES" / "messages.po").read_bytes()
              for lang in LANGUAGES}
    make_catalogs(project_copy)
    for lang in LANGUAGES:
        assert (project_copy / "locales" / lang / "LC_MESSAGES" / "messages.po").read_bytes() == \
            before[lang]


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
