"""Telling a message written in a language the bot does not speak (Portuguese, French, Haitian
Creole) or in English, from the small words that language cannot do without."""

from __future__ import annotations

from .understanding import words

# Each language's everyday small words that are not Spanish words, nor a Spanish misspelling
# people write ("pa" for "para" is kept only where it is one of several), nor a common name.
# Shared Spanish forms (de, la, le, en, a, que, se, no, mes, tres, yo, como) are left out, so
# "Rosa de la Cruz" or "no se" count for nobody.
MARKERS: dict[str, frozenset[str]] = {
    "pt": frozenset({
        "eu", "nao", "voce", "voces", "falo", "fala", "falar", "portugues", "espanhol", "obrigado",
        "obrigada", "quero", "preciso", "tenho", "meu", "minha", "estou", "isso", "isto", "muito",
        "tambem", "ajuda", "onde", "quando", "sim", "bom", "boa", "oi", "entendo", "entender",
        "com", "uma", "um", "dos", "das", "ao", "sou", "lingua",
    }),
    "fr": frozenset({
        "je", "j", "suis", "vous", "nous", "ne", "pas", "parle", "parler", "francais", "anglais",
        "espagnol", "bonjour", "bonsoir", "merci", "oui", "est", "c", "avec", "mon", "ma", "du",
        "ou", "qui", "ai", "avez", "comment", "pourquoi", "aide", "besoin", "ca",
        "aussi", "comprends", "comprendre", "langue", "veux", "pouvez", "etes",
    }),
    "ht": frozenset({
        "mwen", "m", "ou", "pa", "pale", "panyol", "kreyol", "angle", "bonjou", "bonswa", "mesi",
        "wi", "konprann", "kisa", "kijan", "kote", "li", "ak", "gen", "bezwen", "ed", "tanpri", "w",
        "nou", "ki", "pou", "ap", "map", "konn", "lang", "yon", "sa",
    }),
    "en": frozenset({
        "i", "you", "the", "is", "are", "am", "do", "dont", "not", "speak", "english", "spanish",
        "what", "how", "hello", "please", "thank", "thanks", "help", "have", "can", "this", "it",
        "to", "of", "and", "in", "for", "with", "when", "where", "who", "need", "want",
        "understand", "language", "my", "your", "there", "anyone", "only",
    }),
}
# Spanish small words, to weigh a message against: Spanish with typos still has many of these.
SPANISH = frozenset({
    "el", "la", "los", "las", "de", "del", "que", "y", "en", "un", "una", "por", "con", "para",
    "es", "mi", "mis", "me", "no", "se", "lo", "le", "su", "al", "yo", "tengo", "quiero", "como",
    "cuando", "donde", "esta", "estoy", "hablo", "pero", "si", "ya", "muy", "tambien", "porque",
    "hola", "gracias", "ayuda", "necesito", "puedo", "usted", "nosotros", "audiencia", "ingles",
    "espanol", "mas", "hay", "fue", "tiene", "buenos", "buenas", "dias", "tardes", "noches",
})
MIN_MARKERS = 2   # one word ("hello", "merci", "com") is too little to tell a language by


def foreign_language(text: str) -> str | None:
    """Return "pt", "fr", "ht" or "en" when the message is written in that language and not in
    Spanish, else None. Ties and near-ties go to Spanish: answering a Spanish speaker in another
    language costs more than asking a foreigner to write again."""
    tokens = words(text)
    if not tokens:
        return None
    spanish = sum(t in SPANISH for t in tokens)
    scores = {language: sum(t in markers for t in tokens) for language, markers in MARKERS.items()}
    best = max(scores, key=lambda language: scores[language])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < MIN_MARKERS or ranked[0] <= spanish or ranked[0] == ranked[1]:
        return None
    return best
