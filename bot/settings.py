"""The registry of every setting: its default, its type and what it is for."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE", None, "Path of the SQLite file; defaults to instance/mi_audiencia.sqlite3."),
    Setting("SQLITE_BUSY_TIMEOUT_MS", 5000, "How long a writer waits for the database lock."),
    Setting("KEY_DIR", None,
            "Folder of the key files generated on first start (secret_key, encryption_key, "
            "lookup_key, log_key); defaults to instance/. Never inside BACKUP_DIR."),
    Setting("SECRET_KEY", None,
            "Flask's signing key and the keyed hash of message texts that spots auto-responder "
            "loops; generated into secret_key in KEY_DIR when unset."),
    Setting("ENCRYPTION_KEYS", None,
            "Master Fernet keys, comma-separated, newest first: they encrypt the per-person "
            "data keys in the key store; generated into encryption_key in KEY_DIR when unset. "
            "Never commit them, never keep them beside the backups."),
    Setting("PHONE_LOOKUP_KEY", None,
            "Key of the keyed hash phones are found by; generated into lookup_key in KEY_DIR "
            "when unset (an older installation's is seeded once from SECRET_KEY). Changing it "
            "makes every stored phone unfindable."),
    Setting("LOG_PSEUDONYM_KEY", None,
            "Key of the pseudonymous ids in the event log; generated into log_key in KEY_DIR "
            "when unset. Changing it only changes the ids in new log lines."),
    Setting("KEY_STORE", None,
            "SQLite file of the per-person data keys (BORRAR destroys a person's key); "
            "defaults to the database's name with -keys, beside it. Never inside BACKUP_DIR."),
    Setting("KEY_BACKUP_DIR", None,
            "Folder of the one key-store backup, rewritten with each snapshot, deletions "
            "applied at once; defaults to key-backup in the key store's folder "
            "(instance/key-backup). Never inside BACKUP_DIR."),
    Setting("SENDER", None,
            "How messages go out: 'twilio', or 'dry_run' (written to OUTBOX_PATH, never sent). "
            "Unset: a dry run only when no TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_SMS_FROM, "
            "TWILIO_WHATSAPP_FROM or TWILIO_MESSAGING_SERVICE_SID is set; with any of them, Twilio, "
            "and the app refuses to start while one it needs is missing."),
    Setting("TWILIO_ACCOUNT_SID", None, "Twilio account SID."),
    Setting("TWILIO_AUTH_TOKEN", None, "Twilio auth token; also checks X-Twilio-Signature."),
    Setting("TWILIO_SMS_FROM", None, "Sender number for SMS, E.164."),
    Setting("TWILIO_WHATSAPP_FROM", None, "Sender for WhatsApp, as whatsapp:+E.164."),
    Setting("TWILIO_MESSAGING_SERVICE_SID", None, "Messaging Service used instead of a From."),
    Setting("TWILIO_API_BASE_URL", None, "Send Twilio API requests here instead of Twilio."),
    Setting("TWILIO_MEDIA_HOSTS", "mms.twiliocdn.com",
            "Hosts, comma-separated, a photo's download may be redirected to by the Twilio API "
            "(https only, sent without credentials); empty: a redirect is refused. Photos are "
            "only ever requested from the Twilio API's own origin. Twilio redirects media that "
            "needs HTTP authentication to short-lived URLs on mms.twiliocdn.com."),
    Setting("NOTICE_PHOTO_BATCH", 5,
            "Notice photos one dispatch pass reads (each takes a few seconds of CPU)."),
    Setting("PUBLIC_BASE_URL", None,
            "Public origin Twilio calls (https://your.host); signatures are checked against it. "
            "Required: without it the webhook refuses every request rather than trust the "
            "Host header. `make run` sets it to the dev server's address."),
    Setting("VALIDATE_TWILIO_SIGNATURE", True,
            "Check X-Twilio-Signature; only a testing app may turn this off."),
    Setting("OUTBOX_PATH", None,
            "JSON-lines file of the dry-run sender; defaults to instance/outbox.jsonl."),
    Setting("CONVERSATION_TTL_MINUTES", 60,
            "A conversation left half-way this long expires; the next message starts fresh."),
    Setting("MAX_ATTEMPTS", 3, "Wrong answers to one question before the bot offers help."),
    Setting("DRAFT_KEEP_HOURS", 24,
            "What a person typed into a task stays this long: an answer hours later still counts, "
            "and a task left for another topic can be taken up again with SEGUIR."),
    Setting("MAX_BODY_CHARS", 1600, "Longer inbound texts are cut to this length before reading."),
    Setting("RATE_LIMIT_MESSAGES", 30,
            "Messages one phone (not a volunteer's) may send within the window before one "
            "'slow down' answer."),
    Setting("RATE_LIMIT_WINDOW_SECONDS", 60, "The window of the per-phone rate limit."),
    Setting("LOOP_REPEATS", 5,
            "The same text (numbers aside) this many times in a row, at one step of a "
            "conversation and within the loop window, is an auto-responder: silence."),
    Setting("LOOP_WINDOW_SECONDS", 600, "The window in which repeated texts are counted."),
    Setting("DAILY_REPLY_CAP", 100,
            "Messages one phone (not a volunteer's) may send in 24 hours and still be answered; "
            "the next gets one short notice, then silence. BAJA, BORRAR and danger words "
            "pass it."),
    Setting("SMS_KEEP_ACCENTS", False,
            "Keep á í ó ú in SMS; they force UCS-2 and cost about twice as many segments."),
    Setting("FLOWS_DIR", None, "Folder of the conversation flows; defaults to flows/."),
    Setting("REMINDER_WEEK_BEFORE_DAYS", 7, "Days before the hearing of the early reminder."),
    Setting("REMINDER_WEEK_BEFORE_HOUR", 9, "Local hour of the early reminder."),
    Setting("REMINDER_TRAVEL_DAYS", 3,
            "Days before the hearing of the reminder to set out, where the place to report is in "
            "another city (Mexicali, Nogales, people waiting away from the border)."),
    Setting("REMINDER_TRAVEL_HOUR", 10, "Local hour of the reminder to set out."),
    Setting("REMINDER_DAY_BEFORE_HOUR", 17, "Local hour of the reminder the day before."),
    Setting("REMINDER_DAY_AFTER_HOUR", 10, "Local hour of the question the day after."),
    Setting("REMINDER_MONTHLY_DAYS", 30, "Days between 'check your case' reminders while waiting."),
    Setting("REMINDER_MONTHLY_HOUR", 10, "Local hour of the monthly reminder."),
    Setting("REMINDER_QUIET_START_HOUR", 21, "Local hour from which nothing is sent."),
    Setting("REMINDER_QUIET_END_HOUR", 7, "Local hour until which nothing is sent."),
    Setting("DISPATCH_INTERVAL_SECONDS", 30, "How often the scheduler sends what is due."),
    Setting("DISPATCH_BATCH", 500, "Reminders claimed at once by one dispatch pass."),
    Setting("CLAIM_LEASE_SECONDS", 300,
            "A claimed reminder not confirmed within this is claimed again (after a crash)."),
    Setting("SEND_MAX_ATTEMPTS", 5, "Sends of one reminder before it is marked failed."),
    Setting("SEND_RETRY_BASE_SECONDS", 60, "First retry delay; doubles each attempt, at most 1 h."),
    Setting("SEND_RATE_PER_SECOND", 10, "Cap on messages sent per second by one scheduler."),
    Setting("SEND_THREADS", 1,
            "Sends in flight at once in a dispatch pass. More overlap network waits, but a crash "
            "can then double up to this many reminders instead of one."),
    Setting("TWILIO_TIMEOUT_SECONDS", 10, "Timeout of one request to Twilio."),
    Setting("WHATSAPP_WINDOW_HOURS", 24,
            "Free text on WhatsApp only this long after the person's last message."),
    Setting("TWILIO_TEMPLATE_WELCOME", None,
            "ContentSid of the approved first message to someone a shelter registered."),
    Setting("TWILIO_TEMPLATE_WEEK_BEFORE", None, "ContentSid of the approved early reminder."),
    Setting("TWILIO_TEMPLATE_TRAVEL", None,
            "ContentSid of the approved reminder to set out, for a place to report in another city."),
    Setting("TWILIO_TEMPLATE_DAY_BEFORE", None, "ContentSid of the approved day-before reminder."),
    Setting("TWILIO_TEMPLATE_HEARING_DAY", None,
            "ContentSid of the approved hearing-day reminder (sent only to who asked for it)."),
    Setting("TWILIO_TEMPLATE_DAY_AFTER", None, "ContentSid of the approved day-after question."),
    Setting("TWILIO_TEMPLATE_MONTHLY", None, "ContentSid of the approved monthly reminder."),
    Setting("TWILIO_TEMPLATE_BROADCAST", None,
            "ContentSid of the approved generic 'aviso importante' (one variable: the operator's "
            "broadcast text), for broadcasts outside WhatsApp's 24-hour window."),
    Setting("HEARTBEAT_MAX_AGE_SECONDS", 300, "Scheduler heartbeat older than this is unhealthy."),
    Setting("INBOUND_SID_RETENTION_DAYS", 7, "Days MessageSids are kept to drop Twilio retries."),
    Setting("RETENTION_DAYS", 90,
            "People with no upcoming hearing and no activity this long are deleted daily."),
    Setting("BACKUP_DIR", None,
            "Folder of the daily database snapshots (mode 700, files 600); defaults to "
            "instance/backups. They hold no key: a person's values in them need the key store."),
    Setting("BACKUP_KEEP", 7, "Snapshots kept; older ones are deleted."),
    Setting("UNKNOWN_MESSAGES_KEEP", False,
            "Keep the messages the bot answered with 'no entendí', scrubbed (no digit, no name, "
            "nothing after a name is given, accents folded; never logged), for "
            "`flask --app bot unknown`. Off by default."),
    Setting("UNKNOWN_MESSAGES_KEEP_DAYS", 30,
            "Days a kept message that was not understood stays before the daily purge deletes it."),
    Setting("LOG_MESSAGE_BODIES", False,
            "Log message bodies, for debugging only: they can hold names and numbers."),
    Setting("LOG_LEVEL", "INFO", "Level of the JSON event log on stdout."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    """Return every setting with its default value."""
    return {s.name: s.default for s in SETTINGS}


def _coerce(raw: str, default: Any) -> Any:
    # Environment variables are strings; give them the type of the default.
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the settings given as environment variables of the same name."""
    environ = os.environ if environ is None else environ
    found = {}
    for name, setting in _BY_NAME.items():
        if environ.get(name):
            found[name] = _coerce(environ[name], setting.default)
    return found


def markdown() -> str:
    """Return docs/SETTINGS.md: every setting, its default and what it is for."""
    lines = ["# Settings", "",
             "Defaults, then `instance/config.py`, then environment variables of the same name.",
             "This file is generated from `bot/settings.py` by `make docs`.", "",
             "| setting | default | what it is for |", "|---|---|---|"]
    for s in SETTINGS:
        default = "" if s.default is None else f"`{s.default}`"
        lines.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(lines) + "\n"
