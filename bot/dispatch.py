"""Sending due reminders: claim, compose, send through the sender, and record what happened."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from flask import current_app

from . import reminder_queue as queue
from . import store
from .broadcast import text_for
from .db import get_db, write
from .engine import REMINDER_NODES, Conversation, Engine
from .eventlog import contact_ref, event
from .reminders import BROADCAST, DAY_AFTER, HEARING_DAY, MONTHLY, POSTPONED, RESTORED, WELCOME, next_allowed
from .sender import CLOCK_SKEW, Outgoing, SendError, Sent
from .sms import for_sms
from .vault import KeyGone
from .views import (
    ViewInput,
    When,
    render,
    render_reply,
    report_place,
    view_this_report,
    view_this_travel,
    view_travel_note,
)

OPTED_OUT, INVALID_NUMBER, OUTSIDE_WINDOW, UNREACHABLE_HANDSET = 21610, 21211, 63016, 30003
# WhatsApp failed, but an SMS to the same phone can still reach it: fall back to SMS once.
# Meanings from Twilio's error dictionary (twilio.com/docs/api/errors/<code>). Not here: 63016
# (outside the 24-hour window: the approved template comes first), 63014 (the person blocked
# us on WhatsApp: their choice, not a failure to work around).
WHATSAPP_CHANNEL_FAILURES = frozenset({
    63003,   # Channel could not find To address: not, or no longer, on WhatsApp
    63005,   # content not accepted; also a recipient not a valid WhatsApp user or not served
    63007,   # no WhatsApp sender with this From: ours is missing or pending approval
    63013,   # Channel policy violation: WhatsApp's content rules
    63018,   # Rate limit exceeded for Channel: the WhatsApp sender's messaging limit
    63021,   # Channel invalid content, such as a template over 1,024 characters
    63024,   # Invalid message recipient: not on WhatsApp, terms not accepted, an old app
    63032,   # a WhatsApp limitation: the number is part of a Meta experiment
    63049,   # Meta chose not to deliver the template (it took it for marketing)
})
UNDELIVERED = ("undelivered", "failed")
STALE_MONTHLY = dt.timedelta(days=2)
# A report on a send comes within minutes; Twilio keeps a message queued at most four hours.
EARLY_STATUS_KEEP = dt.timedelta(days=2)
# What each template's {{n}} holds; docs/TEMPLATES.md gives the texts to submit for approval.
TEMPLATE_VARIABLES = {"welcome": ("shelter",),
                      "week_before": ("name", "when", "port", "report_and_travel"),
                      "travel": ("name", "when", "report", "travel"),
                      "day_before": ("name", "when", "port", "report"),
                      "hearing_day": ("name", "when", "port", "report"),
                      "day_after": ("name",), "monthly": (),
                      # The operator's whole text, on one line: "aviso importante".
                      BROADCAST: ("text",)}
# Rows that are not about a hearing's date: no other row supersedes them or is superseded by
# them, and they go out whether the hearing behind them passed or closed meanwhile.
STANDALONE = (WELCOME, BROADCAST, POSTPONED, RESTORED)
# Messages the person answers: their next message is read as the answer.
AWAITING = (DAY_AFTER, POSTPONED)


def classify(code: int | None, status: int | None) -> str:
    """Say what to do about a failed send: retry, opt_out, unreachable, fallback (the
    template, then SMS), fallback_sms or fail."""
    if code == OPTED_OUT:
        return "opt_out"
    if code == INVALID_NUMBER:
        return "unreachable"
    if code == OUTSIDE_WINDOW:
        return "fallback"
    if code in WHATSAPP_CHANNEL_FAILURES:
        return "fallback_sms"
    if (code == UNREACHABLE_HANDSET or status == 429 or (status or 0) >= 500
            or (code is None and status is None)):
        return "retry"
    return "fail"


def backoff(attempts: int, base_seconds: int) -> dt.timedelta:
    """Wait longer after each failure: base, 2 x base, 4 x base... at most an hour."""
    return dt.timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), 3600))


class RateLimit:
    """Keep sends at most `per_second` a second (Twilio queues or refuses beyond its tier)."""

    def __init__(self, per_second: float, monotonic=time.monotonic, sleep=time.sleep):
        self.gap = 1.0 / per_second if per_second > 0 else 0.0
        self.monotonic, self.sleep, self.next = monotonic, sleep, None
        self.lock = threading.Lock()

    def wait(self) -> None:
        """Block until this send's turn: turns are handed out one gap apart, across threads."""
        if not self.gap:
            return
        with self.lock:
            now = self.monotonic()
            turn = now if self.next is None or self.next < now else self.next
            self.next = turn + self.gap
        if turn > now:
            self.sleep(turn - now)


@dataclass
class Report:
    claimed: int = 0
    outcomes: dict = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


class Dispatcher:
    """One scheduler's sending: the only code, with the status webhook, that changes a sent row."""

    def __init__(self, app, sleep=time.sleep, monotonic=time.monotonic):
        self.app = app
        self.config = app.config
        self.engine: Engine = app.extensions["engine"]
        self.catalogs = app.extensions["catalogs"]
        self.sender = app.extensions["sender"]
        self.rate = RateLimit(self.config["SEND_RATE_PER_SECOND"], monotonic, sleep)

    def run(self, now: dt.datetime) -> Report:
        """Send everything due at `now`, each reminder claimed before it is sent."""
        db = get_db()
        with write(db):
            rows = queue.claim_due(db, now, self.config["CLAIM_LEASE_SECONDS"],
                                   self.config["DISPATCH_BATCH"])
            queue.beat(db, "scheduler", now)
        report = Report(claimed=len(rows))
        # After downtime several reminders of one hearing can be due at once: only the
        # latest says what matters now ("tomorrow" beats "in a week").
        latest = {}
        for row in rows:
            if row["kind"] not in STANDALONE:
                latest[row["hearing_id"]] = max(latest.get(row["hearing_id"], ""), row["due_at"])
        superseded = [r for r in rows if r["kind"] not in (DAY_AFTER, *STANDALONE)
                      and r["due_at"] < latest[r["hearing_id"]]]
        if superseded:
            with write(db):
                for row in superseded:
                    queue.finish(db, row["id"], "skipped", "superseded", now)
                    report.count("skipped")
        todo = [r for r in rows if r not in superseded]
        threads = max(1, min(self.config["SEND_THREADS"], len(todo)))
        if threads == 1:
            outcomes = [self.deliver_one(row, now) for row in todo]
        else:
            # Sending waits on the network: a few threads overlap those waits. Each has its
            # own connection; the rate limit is shared.
            with ThreadPoolExecutor(threads) as pool:
                outcomes = list(pool.map(lambda row: self.in_context(row, now), todo))
        for outcome in outcomes:
            report.count(outcome)
        if rows:
            event("dispatch", claimed=len(rows), **report.outcomes)
        return report

    def in_context(self, row: dict, now: dt.datetime) -> str:
        with self.app.app_context():
            return self.deliver_one(row, now)

    def deliver_one(self, row: dict, now: dt.datetime) -> str:
        attempt = Attempt()
        try:
            return self.deliver(get_db(), row, now, attempt)
        except KeyGone:
            # The person was deleted (their key destroyed) and their rows not swept yet.
            with write(get_db()):
                queue.finish(get_db(), row["id"], "cancelled", "deleted", now)
            return "skipped"
        except Exception as exc:   # one bad row must not stop the others
            event("reminder_error", logging.ERROR, reminder=row["id"], error=type(exc).__name__)
            return self.errored(row, type(exc).__name__, now, attempt)

    def errored(self, row: dict, error: str, now: dt.datetime, attempt: Attempt) -> str:
        """Count the attempt and retry later, failing after SEND_MAX_ATTEMPTS: a reminder that
        raises every time is not retried forever. Only the exception's type is kept: its
        message may quote a name or a number."""
        attempts = row["attempts"] + 1
        retry = (now + backoff(attempts, self.config["SEND_RETRY_BASE_SECONDS"])
                 if attempts < self.config["SEND_MAX_ATTEMPTS"] else None)
        # If the send had started, it may have reached Twilio: look it up before sending again.
        unconfirmed = now if attempt.sending else _unconfirmed(row)
        db = get_db()
        try:
            with write(db):
                queue.record_error(db, row["id"], error, retry, now, unconfirmed)
        except Exception as exc:   # the claim lapses; the next pass counts it and looks it up
            event("reminder_error", logging.ERROR, reminder=row["id"], error=type(exc).__name__,
                  where="recording")
        return "error"

    def deliver(self, db, row: dict, now: dt.datetime, attempt: Attempt) -> str:
        contact = store.contact_by_id(db, row["contact_id"])
        ref = contact_ref(contact["phone"])
        city = self.engine.cities[row["city"]]
        starts_at = dt.datetime.fromisoformat(row["starts_at"])
        due_at = dt.datetime.fromisoformat(row["due_at"])
        stop = ("opted_out" if contact["opted_out"] else "unreachable" if contact["unreachable"]
                else None if row["kind"] == BROADCAST
                else "hearing_closed" if row["closed_at"]
                # The date is no longer the rule's (the person saved their own, or it was undone),
                # or a later rule moved it again: the news is old.
                else "not_postponed" if row["kind"] == POSTPONED and row["postponement_id"] != row["seq"]
                else "postponed_again" if row["kind"] == RESTORED and row["postponement_id"]
                else "hearing_passed" if row["kind"] != DAY_AFTER and starts_at <= now
                # After downtime, one "check your case" is enough, not one per missed month.
                else "stale" if row["kind"] == MONTHLY and now - due_at > STALE_MONTHLY
                else None)
        if stop:
            with write(db):
                queue.finish(db, row["id"], "cancelled" if stop == "opted_out" else "skipped",
                             stop, now)
            event("reminder_skipped", contact=ref, kind=row["kind"], reason=stop)
            return "skipped"
        # The hearing-day reminder comes at the hour the person chose, night or not.
        allowed = now if row["kind"] == HEARING_DAY else next_allowed(now, city.zone,
                                                                         self.engine.schedule)
        if allowed > now:   # late (the scheduler was down): never at night
            with write(db):
                queue.retry_at(db, row["id"], allowed, now, attempted=False,
                               unconfirmed_at=_unconfirmed(row))
            return "deferred"
        message = self.compose(db, row, contact, now)
        if message is None:
            with write(db):
                queue.finish(db, row["id"], "failed", "no_channel", now)
            return "failed"
        if row["unconfirmed_at"]:
            outcome = self.confirm(db, row, contact, message, now)
            if outcome:
                return outcome
            if row["attempts"] >= self.config["SEND_MAX_ATTEMPTS"]:
                # Claims that lapsed again and again (a pass dying on this reminder).
                with write(db):
                    queue.finish(db, row["id"], "failed", "attempts", now)
                event("reminder_failed", logging.WARNING, contact=ref, kind=row["kind"],
                      action="failed", error="attempts", attempt=row["attempts"])
                return "failed"
        self.rate.wait()
        attempt.sending = True
        try:
            sent = self.sender.send(message)
        except SendError as exc:
            return self.failed(db, row, contact, classify(exc.code, exc.status),
                               f"{exc.code or exc.status or 'network'}", now,
                               unconfirmed_at=now if exc.unknown else None)
        return self.record_sent(db, row, contact, message, sent, now)

    def confirm(self, db, row: dict, contact: dict, message: Outgoing,
                now: dt.datetime) -> str | None:
        """Before sending again, find out whether the last send reached Twilio after all: a
        status callback that named this reminder, else Twilio's list of messages to the
        address. Return the outcome when it did or when Twilio could not be asked; None when
        it did not, and the message is to be sent."""
        since = _unconfirmed(row)
        sid = queue.early_sid_of(db, row["id"], since - CLOCK_SKEW)
        if sid:
            found: Sent | None = Sent(sid, "queued")
        else:
            try:
                candidates = self.sender.find(message, since)
            except SendError as exc:   # still unknown: ask again later, counting the attempt
                return self.failed(db, row, contact, "retry",
                                   f"lookup_{exc.code or exc.status or 'network'}", now,
                                   unconfirmed_at=since)
            # A message recorded for another reminder (a family member's) is not this one.
            recorded = queue.recorded_sids(db, [c.sid for c in candidates])
            found = next((c for c in candidates if c.sid not in recorded), None)
        event("send_looked_up", contact=contact_ref(contact["phone"]), kind=row["kind"],
              found=found is not None, by="callback" if sid else "list")
        if found is None:
            return None
        return self.record_sent(db, row, contact, message, found, now, found=True)

    def record_sent(self, db, row: dict, contact: dict, message: Outgoing, sent: Sent,
                    now: dt.datetime, found: bool = False) -> str:
        """Mark the reminder sent, and apply a delivery report that came before this did.
        `found`: the send was found at Twilio after an unknown outcome, its attempt counted."""
        with write(db):
            queue.mark_sent(db, row["id"], sent.sid, message.channel, now, attempted=not found)
            report = queue.take_early_status(db, sent.sid) or (
                {"status": sent.status, "error_code": sent.error_code} if found else None)
            if report:
                queue.record_delivery(db, row["id"], report["status"], now)
            if row["kind"] in AWAITING:
                self.await_answer(db, row, now)
        event("reminder_sent", contact=contact_ref(contact["phone"]), kind=row["kind"],
              channel=message.channel, template=bool(message.content_sid),
              attempt=row["attempts"] + int(not found))
        if report and report["status"] in UNDELIVERED:
            return self.undelivered(db, queue.by_sid(db, sent.sid), contact,
                                    report["error_code"], now)
        return "sent"

    def compose(self, db, row: dict, contact: dict, now: dt.datetime) -> Outgoing | None:
        """Choose channel and form: WhatsApp text inside the 24-hour window, a template
        outside it, SMS as the fallback."""
        addresses = store.addresses_of(db, contact["id"])
        channel = "sms" if row["fallback"] == "sms" else (
            max(addresses, key=lambda c: addresses[c]["last_seen_at"]) if addresses else "sms")
        if not self.sender.can_send(channel):
            channel = "sms"   # no WhatsApp sender is set up: every phone also takes SMS
        context = store.context_of(db, contact, False)
        view = ViewInput({"hearing_id": row["hearing_id"]}, context, self.engine.reference, now,
                         self.engine.schedule)
        language = contact["language"]
        if channel == "whatsapp":
            last = contact["last_inbound_at"]
            window = dt.timedelta(hours=self.config["WHATSAPP_WINDOW_HOURS"])
            inside = last and now - dt.datetime.fromisoformat(last) < window
            if inside and row["fallback"] != "template":
                return Outgoing(addresses["whatsapp"]["address"], "whatsapp",
                                self.body(row, context, language, now), reminder=row["id"])
            template = self.config.get(f"TWILIO_TEMPLATE_{row['kind'].upper()}")
            if template:
                return Outgoing(addresses["whatsapp"]["address"], "whatsapp",
                                content_sid=template,
                                variables=self.variables(row, view, language),
                                reminder=row["id"])
            channel = "sms"   # no approved template: an SMS is better than nothing
        body = for_sms(self.body(row, context, language, now), self.config["SMS_KEEP_ACCENTS"])
        return Outgoing(contact["phone"], "sms", body, reminder=row["id"])

    def body(self, row: dict, context, language: str, now: dt.datetime) -> str:
        if row["kind"] == BROADCAST:
            return text_for(get_db(), row["broadcast_id"], language)
        blocks = self.engine.preview(REMINDER_NODES[row["kind"]], context,
                                     {"hearing_id": row["hearing_id"]}, now)
        return render_reply(blocks, language, self.catalogs)

    def variables(self, row: dict, view: ViewInput, language: str) -> dict[str, str]:
        kind = row["kind"]
        if kind == BROADCAST:
            # A template's variable holds no line break.
            return {"1": " ".join(text_for(get_db(), row["broadcast_id"], language).split())}
        hearing = view.context.hearing(view.vars["hearing_id"])
        person = view.context.person(hearing.person_id)
        city = view.cities[hearing.city]

        values = {
            "name": lambda: person.name,
            "when": lambda: render(When(hearing.starts_at, city), language, self.catalogs),
            "port": lambda: render(report_place(city), language, self.catalogs),
            "shelter": lambda: person.shelter or "",
            "report": lambda: render(view_this_report(view), language, self.catalogs),
            "travel": lambda: render(view_this_travel(view), language, self.catalogs),
            # A template's variable holds no line break: the trip's note goes on the same line.
            "report_and_travel": lambda: " ".join(filter(None, (
                render(view_this_report(view), language, self.catalogs),
                render(view_travel_note(view), language, self.catalogs)))),
        }
        return {str(n): values[name]() for n, name in enumerate(TEMPLATE_VARIABLES[kind], 1)}

    def await_answer(self, db, row: dict, now: dt.datetime) -> None:
        """After the day-after question, read the person's next message as its answer,
        unless they are in the middle of something else."""
        state = store.conversation_of(db, row["contact_id"])
        if state.node and state.updated_at and now - state.updated_at < self.engine.ttl_of(state):
            return
        store.save_conversation(db, row["contact_id"], Conversation(
            REMINDER_NODES[row["kind"]], {"hearing_id": row["hearing_id"]}, 0, now, state.parked), now)

    def failed(self, db, row: dict, contact: dict, action: str, error: str,
               now: dt.datetime, already_counted: bool = False,
               unconfirmed_at: dt.datetime | None = None) -> str:
        """Apply what a refusal means, from the send itself or from a delivery callback
        (whose attempt was counted when it was sent). `unconfirmed_at`: the send may have
        reached Twilio all the same, so a retry looks it up first."""
        ref = contact_ref(contact["phone"])
        attempted = not already_counted
        attempts = row["attempts"] + int(attempted)
        with write(db):
            if action == "opt_out":
                store.set_opted_out(db, contact["id"], True, now)
                queue.cancel_pending(db, now, "opted_out_at_twilio", contact_id=contact["id"])
                queue.finish(db, row["id"], "cancelled", error, now, attempted=attempted)
            elif action == "unreachable":
                store.set_unreachable(db, contact["id"])
                queue.finish(db, row["id"], "failed", error, now, attempted=attempted)
            elif action in ("fallback", "fallback_sms") and row["fallback"] != "sms":
                has_template = self.config.get(f"TWILIO_TEMPLATE_{row['kind'].upper()}")
                fallback = ("template" if action == "fallback" and has_template
                            and row["fallback"] is None else "sms")
                queue.retry_at(db, row["id"], now, now, error=error, fallback=fallback,
                               attempted=attempted)
                action = f"fallback_{fallback}"
            elif action == "retry" and attempts < self.config["SEND_MAX_ATTEMPTS"]:
                queue.retry_at(db, row["id"], now + backoff(attempts, self.config[
                    "SEND_RETRY_BASE_SECONDS"]), now, error=error, attempted=attempted,
                    unconfirmed_at=unconfirmed_at)
            else:
                queue.finish(db, row["id"], "failed", error, now, attempted=attempted)
                action = "failed"
        event("reminder_failed" if action == "failed" else "reminder_retry",
              logging.WARNING, contact=ref, kind=row["kind"], action=action, error=error,
              attempt=attempts)
        return action

    def undelivered(self, db, row: dict, contact: dict, code: int | None, now: dt.datetime) -> str:
        """Act on a send Twilio reported undelivered or failed, by its ErrorCode."""
        return self.failed(db, row, contact, classify(code, None if code else 500), str(code), now,
                           already_counted=True)


@dataclass
class Attempt:
    """How far one reminder's pass got: past the start of the send or not."""
    sending: bool = False


def _unconfirmed(row: dict) -> dt.datetime | None:
    return dt.datetime.fromisoformat(row["unconfirmed_at"]) if row["unconfirmed_at"] else None


def record_status(form, now: dt.datetime, reminder: str | None = None) -> None:
    """Record a delivery status from Twilio's callback and act on an undelivered reminder.

    A report on a send not recorded yet (Twilio may call before its answer to the send has
    arrived) is kept and applied when the send is recorded; `reminder`, from the callback's
    URL, says which reminder it is about."""
    db = get_db()
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        event("delivery_status", status=status, known=False)
        return
    code = int(form["ErrorCode"]) if str(form.get("ErrorCode", "")).isdigit() else None
    reminder_id = int(reminder) if reminder and reminder.isdigit() else None
    with write(db):   # one transaction with the lookup: mark_sent cannot slip in between
        row = queue.by_sid(db, sid)
        if row is None:
            queue.keep_early_status(db, sid, status, code, reminder_id, now)
        else:
            queue.record_delivery(db, row["id"], status, now)
    if row is None:
        event("delivery_status", status=status, known=False, kept=True)
        return
    event("delivery_status", status=status, kind=row["kind"], known=True)
    if status in UNDELIVERED and row["status"] == "sent":
        contact = store.contact_by_id(db, row["contact_id"])
        Dispatcher(current_app._get_current_object()).undelivered(db, row, contact, code, now)
