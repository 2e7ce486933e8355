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
from .db import get_db, write
from .engine import REMINDER_NODES, Conversation, Engine
from .eventlog import contact_ref, event
from .reminders import DAY_AFTER, MONTHLY, WELCOME, next_allowed
from .sender import Outgoing, SendError
from .sms import for_sms
from .views import ViewInput, When, render, render_reply, view_this_report

OPTED_OUT, INVALID_NUMBER, OUTSIDE_WINDOW, UNREACHABLE_HANDSET = 21610, 21211, 63016, 30003
STALE_MONTHLY = dt.timedelta(days=2)
# What each template's {{n}} holds; docs/TEMPLATES.md gives the texts to submit for approval.
TEMPLATE_VARIABLES = {"welcome": ("shelter",), "week_before": ("name", "when", "port", "report"),
                      "day_before": ("name", "when", "port", "report"),
                      "day_after": ("name",), "monthly": ()}


def classify(code: int | None, status: int | None) -> str:
    """Say what to do about a failed send: retry, opt_out, unreachable, fallback or fail."""
    if code == OPTED_OUT:
        return "opt_out"
    if code == INVALID_NUMBER:
        return "unreachable"
    if code == OUTSIDE_WINDOW:
        return "fallback"
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
            if row["kind"] != WELCOME:
                latest[row["hearing_id"]] = max(latest.get(row["hearing_id"], ""), row["due_at"])
        superseded = [r for r in rows if r["kind"] not in (DAY_AFTER, WELCOME)
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
        try:
            return self.deliver(get_db(), row, now)
        except Exception as exc:   # one bad row must not stop the others
            event("reminder_error", logging.ERROR, reminder=row["id"], error=type(exc).__name__)
            return "error"   # its claim lapses and the next pass takes it again

    def deliver(self, db, row: dict, now: dt.datetime) -> str:
        contact = store.contact_by_id(db, row["contact_id"])
        ref = contact_ref(contact["phone"])
        city = self.engine.cities[row["city"]]
        starts_at = dt.datetime.fromisoformat(row["starts_at"])
        due_at = dt.datetime.fromisoformat(row["due_at"])
        stop = ("opted_out" if contact["opted_out"] else "unreachable" if contact["unreachable"]
                else "hearing_closed" if row["closed_at"]
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
        allowed = next_allowed(now, city.zone, self.engine.schedule)
        if allowed > now:   # late (the scheduler was down): never at night
            with write(db):
                queue.retry_at(db, row["id"], allowed, now, attempted=False)
            return "deferred"
        message = self.compose(db, row, contact, now)
        if message is None:
            with write(db):
                queue.finish(db, row["id"], "failed", "no_channel", now)
            return "failed"
        self.rate.wait()
        try:
            sent = self.sender.send(message)
        except SendError as exc:
            return self.failed(db, row, contact, classify(exc.code, exc.status),
                               f"{exc.code or exc.status or 'network'}", now)
        with write(db):
            queue.mark_sent(db, row["id"], sent.sid, message.channel, now)
            if row["kind"] == DAY_AFTER:
                self.await_answer(db, row, now)
        event("reminder_sent", contact=ref, kind=row["kind"], channel=message.channel,
              template=bool(message.content_sid), attempt=row["attempts"] + 1)
        return "sent"

    def compose(self, db, row: dict, contact: dict, now: dt.datetime) -> Outgoing | None:
        """Choose channel and form: WhatsApp text inside the 24-hour window, a template
        outside it, SMS as the fallback."""
        addresses = store.addresses_of(db, contact["id"])
        channel = "sms" if row["fallback"] == "sms" else (
            max(addresses, key=lambda c: addresses[c]["last_seen_at"]) if addresses else "sms")
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
                                self.body(row, context, language, now))
            template = self.config.get(f"TWILIO_TEMPLATE_{row['kind'].upper()}")
            if template:
                return Outgoing(addresses["whatsapp"]["address"], "whatsapp",
                                content_sid=template,
                                variables=self.variables(row["kind"], view, language))
            channel = "sms"   # no approved template: an SMS is better than nothing
        body = for_sms(self.body(row, context, language, now), self.config["SMS_KEEP_ACCENTS"])
        return Outgoing(contact["phone"], "sms", body)

    def body(self, row: dict, context, language: str, now: dt.datetime) -> str:
        blocks = self.engine.preview(REMINDER_NODES[row["kind"]], context,
                                     {"hearing_id": row["hearing_id"]}, now)
        return render_reply(blocks, language, self.catalogs)

    def variables(self, kind: str, view: ViewInput, language: str) -> dict[str, str]:
        hearing = view.context.hearing(view.vars["hearing_id"])
        person = view.context.person(hearing.person_id)
        city = view.cities[hearing.city]
        values = {
            "name": lambda: person.name,
            "when": lambda: render(When(hearing.starts_at, city), language, self.catalogs),
            "port": lambda: city.port,
            "shelter": lambda: person.shelter or "",
            "report": lambda: render(view_this_report(view), language, self.catalogs),
        }
        return {str(n): values[name]() for n, name in enumerate(TEMPLATE_VARIABLES[kind], 1)}

    def await_answer(self, db, row: dict, now: dt.datetime) -> None:
        """After the day-after question, read the person's next message as its answer,
        unless they are in the middle of something else."""
        state = store.conversation_of(db, row["contact_id"])
        if state.node and state.updated_at and now - state.updated_at < self.engine.ttl:
            return
        store.save_conversation(db, row["contact_id"], Conversation(
            REMINDER_NODES[DAY_AFTER], {"hearing_id": row["hearing_id"]}, 0, now), now)

    def failed(self, db, row: dict, contact: dict, action: str, error: str,
               now: dt.datetime, already_counted: bool = False) -> str:
        """Apply what a refusal means, from the send itself or from a delivery callback
        (whose attempt was counted when it was sent)."""
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
            elif action == "fallback" and row["fallback"] != "sms":
                has_template = self.config.get(f"TWILIO_TEMPLATE_{row['kind'].upper()}")
                fallback = "template" if has_template and row["fallback"] is None else "sms"
                queue.retry_at(db, row["id"], now, now, error=error, fallback=fallback,
                               attempted=attempted)
                action = f"fallback_{fallback}"
            elif action == "retry" and attempts < self.config["SEND_MAX_ATTEMPTS"]:
                queue.retry_at(db, row["id"], now + backoff(attempts, self.config[
                    "SEND_RETRY_BASE_SECONDS"]), now, error=error, attempted=attempted)
            else:
                queue.finish(db, row["id"], "failed", error, now, attempted=attempted)
                action = "failed"
        event("reminder_failed" if action == "failed" else "reminder_retry",
              logging.WARNING, contact=ref, kind=row["kind"], action=action, error=error,
              attempt=attempts)
        return action


def record_status(form, now: dt.datetime) -> None:
    """Record a delivery status from Twilio's callback; act on an undelivered reminder."""
    db = get_db()
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    row = queue.by_sid(db, sid) if sid else None
    if row is None:
        event("delivery_status", status=status, known=False)
        return
    with write(db):
        queue.record_delivery(db, row["id"], status, now)
    event("delivery_status", status=status, kind=row["kind"], known=True)
    if status in ("undelivered", "failed") and row["status"] == "sent":
        code = int(form["ErrorCode"]) if str(form.get("ErrorCode", "")).isdigit() else None
        contact = store.contact_by_id(db, row["contact_id"])
        dispatcher = Dispatcher(current_app._get_current_object())
        dispatcher.failed(db, row, contact, classify(code, None if code else 500), str(code), now,
                          already_counted=True)
