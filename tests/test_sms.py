"""SMS cost: GSM-7 against UCS-2, extension characters, and segment boundaries."""

from __future__ import annotations

import pytest

from bot.sms import Cost, cost, for_sms, is_gsm7


@pytest.mark.parametrize("text,encoding,units,segments", [
    ("", "GSM-7", 0, 0),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),           # extension characters count two
    ("€" * 81, "GSM-7", 162, 2),
    ("a" * 152 + "€", "GSM-7", 154, 1),    # fits one whole message
    ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),
    ("¿Mañana? ¡Sí, él!", "UCS-2", 17, 1),  # í is not GSM-7
    ("á" * 70, "UCS-2", 70, 1),
    ("á" * 71, "UCS-2", 71, 2),
    ("á" * 134, "UCS-2", 134, 2),
    ("á" * 135, "UCS-2", 135, 3),
    ("😀" * 35, "UCS-2", 70, 1),            # a surrogate pair is two units
    ("a" * 66 + "😀" + "😀", "UCS-2", 70, 1),
    ("á" * 66 + "😀" + "á", "UCS-2", 69, 1),
    ("á" * 66 + "😀" + "á" * 4, "UCS-2", 72, 2),
])
def test_cost(text, encoding, units, segments):
    assert cost(text) == Cost(encoding, units, segments)


def test_spanish_keeps_the_letters_gsm7_has_and_drops_only_the_accents_it_lacks():
    assert for_sms("¿Cuándo es mi audiencia? Mañana, él y Ángel, según Íñigo.") == \
        "¿Cuando es mi audiencia? Mañana, él y Angel, segun Iñigo."
    assert is_gsm7(for_sms("áéíóúÁÉÍÓÚñÑüÜ¿¡"))
    assert for_sms("Ángel", keep_accents=True) == "Ángel"


def test_the_narrow_space_of_dates_does_not_turn_a_message_into_ucs2():
    assert cost(for_sms("8:30 a.\u202fm.")).encoding == "GSM-7"
