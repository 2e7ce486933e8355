"""Make the Spanish catalog say its own source text: Spanish is the language the sentences are written in."""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def fill_source_language(path: str) -> int:
    """Set every msgstr to its msgid, no longer fuzzy; return how many entries changed."""
    with open(path, "rb") as f:
        catalog = read_po(f)
    changed = 0
    for message in catalog:
        if message.id and (message.string != message.id or message.fuzzy):
            message.string = message.id
            message.flags.discard("fuzzy")
            message.previous_id = ()
            changed += 1
    if changed:
        with open(path, "wb") as f:
            write_po(f, catalog, width=100)
    return changed


if __name__ == "__main__":
    for po_path in sys.argv[1:]:
        print(f"{po_path}: {fill_source_language(po_path)} source-language entries updated")
