"""How hearings went, from the answers to the day-after question: stored, then counted."""

from __future__ import annotations

import datetime as dt

from sqlite_utils import Database

DAY_AFTER_NODE = "reminders.day_after"
# The day-after question's options, as operators read them: "done" ("Ya no tengo más
# audiencias") means the person went and has no hearing left.
ANSWERS = {"done": "went", "new_date": "new_date", "missed": "missed"}
COUNTS = ("went", "new_date", "missed", "no_answer")


def record(db: Database, hearing_id: int | None, answer: str, now: dt.datetime) -> bool:
    """Store the answer on the latest day-after sent for the hearing; False when none was sent
    (the question was reached some other way) or the answer is not one of its options."""
    if answer not in ANSWERS or hearing_id is None:
        return False
    row = db.execute("SELECT id FROM reminders WHERE hearing_id = ? AND kind = 'day_after' "
                     "AND status = 'sent' ORDER BY due_at DESC LIMIT 1", [hearing_id]).fetchone()
    if row is None:
        return False
    # A second answer to the same question (a correction) replaces the first.
    db.execute("INSERT INTO day_after_answers (reminder_id, answer, answered_at) VALUES (?, ?, ?) "
               "ON CONFLICT (reminder_id) DO UPDATE SET answer = excluded.answer, "
               "answered_at = excluded.answered_at", [row[0], answer, now.isoformat()])
    return True


def hearing_week(day_after_due: str) -> str:
    """The ISO week ("2026-W48") of the hearing a day-after question was about: the day before
    it was due (it goes out mid-morning, local time, so its UTC date is the local one)."""
    day = dt.datetime.fromisoformat(day_after_due).date() - dt.timedelta(days=1)
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def missed_share(counts: dict[str, int]) -> float | None:
    """The share of answers that said the hearing was missed; None when nobody answered."""
    answered = counts["went"] + counts["new_date"] + counts["missed"]
    return round(counts["missed"] / answered, 3) if answered else None


def count(db: Database, court_of, since: dt.datetime) -> dict:
    """Count the day-after answers (and the questions left unanswered) per court and hearing
    week, for the day-after questions sent since `since`; court_of maps a city key to its court."""
    rows = db.execute(
        "SELECT h.city, r.due_at, a.answer FROM reminders r "
        "JOIN hearings h ON h.id = r.hearing_id "
        "LEFT JOIN day_after_answers a ON a.reminder_id = r.id "
        "WHERE r.status = 'sent' AND r.kind = 'day_after' AND r.due_at >= ?",
        [since.isoformat()]).fetchall()
    groups: dict[tuple[str, str], dict[str, int]] = {}
    total = dict.fromkeys(COUNTS, 0)
    for city, due_at, answer in rows:
        key = (court_of(city), hearing_week(due_at))
        counts = groups.setdefault(key, dict.fromkeys(COUNTS, 0))
        name = ANSWERS[answer] if answer else "no_answer"
        counts[name] += 1
        total[name] += 1
    return {
        "by_court_and_week": [
            {"court": court, "week": week, **counts, "missed_share": missed_share(counts)}
            for (court, week), counts in sorted(groups.items())],
        "total": {**total, "missed_share": missed_share(total)},
    }
