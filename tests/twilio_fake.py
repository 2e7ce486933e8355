"""A local stand-in for Twilio's REST API that checks every request against Twilio's own
OpenAPI description (tests/data, from twilio/twilio-oai, MIT) and answers as Twilio does.

What the description cannot say, the stand-in does as Twilio's error dictionary does: a message
with no From and no MessagingServiceSid is refused with 21603, one with no Body, ContentSid or
MediaUrl with 21602 (21619 through a Messaging Service), a Body over 1,600 characters with 21617.
Accepted messages are kept and can be listed (GET Messages.json, filtered by To, From and
DateSent), as the dispatcher does to find out whether a send that timed out reached Twilio.

Media a person sent (`add_media`) is served at its MediaUrl, as Twilio serves the file, and its
Media resource accepts DELETE. The description has no operation for the file itself (it
describes the resource's JSON): a GET of the file is checked as the GET of its resource, so its
account, message and media SIDs and the credentials are checked all the same."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
import threading
import time
import urllib.parse
from collections.abc import Callable
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

SPEC_PATH = os.path.join(os.path.dirname(__file__), "data", "twilio_api_v2010.json.gz")
ACCOUNT = "AC" + "0" * 32
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
MEDIA_PREFIX = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/"
MAX_BODY = 1600
# Twilio's own wording, from its error dictionary (twilio.com/docs/api/errors/<code>).
REFUSALS = {
    21602: "Message body is required",
    21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message",
    21617: "The concatenated message body exceeds the 1600 character limit",
    21619: "A Message Body, Media URL or Content SID is required",
}
_spec = None


def spec() -> OpenAPI:
    global _spec
    if _spec is None:
        with gzip.open(SPEC_PATH, "rt", encoding="utf-8") as f:
            _spec = OpenAPI.from_dict(json.load(f))
    return _spec


def utf16_length(text: str) -> int:
    """Twilio counts characters as UTF-16 units: an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


class FakeTwilio:
    """Serve on 127.0.0.1.

    `script` holds answers for the next POSTs: (status, code) to refuse, ("hang", seconds) to
    accept the message and answer only after `seconds` (after the client gave up), ("stall",
    seconds) to answer 503 after `seconds` without accepting anything, or None for a normal 201.
    `list_script` does the same for the next GETs of the Messages list: (status, code).
    `clock` says what time it is at Twilio (tests run at fixed instants).
    `on_accept`, when set, is called with each accepted message before the answer is sent:
    Twilio may call a StatusCallback before its answer to the POST has arrived."""

    def __init__(self):
        self.requests: list[dict] = []        # every POST to Messages.json: the sends
        self.lookups: list[dict] = []         # every GET of Messages.json
        self.messages: list[dict] = []        # what Twilio accepted, oldest first
        self.violations: list[str] = []
        self.script: list = []
        self.list_script: list = []
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.on_accept: Callable[[dict], None] | None = None
        self.media: dict[str, tuple[bytes, str]] = {}   # path of the file: (bytes, content type)
        self.media_gets: list[dict] = []      # every GET of a media file
        self.deleted: list[str] = []          # Media resources deleted
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"] or 0)).decode()
                fake.handle_post(self, body)

            def do_GET(self):
                if self.path.startswith(MEDIA_PREFIX) and "/Media/" in self.path:
                    return fake.handle_media_get(self)
                fake.handle_get(self)

            def do_DELETE(self):
                fake.handle_media_delete(self)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass   # a client that gave up before a late answer: expected, not news

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def check(self, handler: BaseHTTPRequestHandler, method: str, form: dict | None,
              path: str | None = None) -> None:
        """Record how the request breaks Twilio's description, if it does."""
        checked = requests.Request(
            method, "https://api.twilio.com" + (path or handler.path), data=form,
            headers={"Authorization": handler.headers.get("Authorization", "")}).prepare()
        try:
            spec().validate_request(RequestsOpenAPIRequest(checked))
        except Exception as exc:   # any way the request breaks Twilio's description
            with self.lock:
                self.violations.append(f"{method} {handler.path}: {exc}")

    def add_media(self, data: bytes, content_type: str = "image/jpeg") -> tuple[str, str]:
        """Keep a file a person sent; return its message SID and its MediaUrl."""
        message = "MM" + base64.b16encode(os.urandom(16)).decode().lower()
        media = "ME" + base64.b16encode(os.urandom(16)).decode().lower()
        path = f"{MEDIA_PREFIX}{message}/Media/{media}"
        with self.lock:
            self.media[path] = (data, content_type)
        return message, self.url + path

    def handle_media_get(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        self.check(handler, "GET", None, path + ".json")
        with self.lock:
            self.media_gets.append({"path": path, "auth": handler.headers.get("Authorization", "")})
            found = self.media.get(path)
        if found is None:
            return self.error(handler, 404, 20404)
        data, content_type = found
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def handle_media_delete(self, handler: BaseHTTPRequestHandler) -> None:
        self.check(handler, "DELETE", None)
        path = handler.path.removesuffix(".json")
        with self.lock:
            found = self.media.pop(path, None)
            if found is not None:
                self.deleted.append(path)
        if found is None:
            return self.error(handler, 404, 20404)
        handler.send_response(204)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def handle_post(self, handler: BaseHTTPRequestHandler, body: str) -> None:
        form = dict(urllib.parse.parse_qsl(body))
        self.check(handler, "POST", form)
        with self.lock:
            self.requests.append({"path": handler.path, "form": form,
                                  "auth": handler.headers.get("Authorization", "")})
            refusal = self.refusal(form)
            answer = None if refusal else (self.script.pop(0) if self.script else None)
        if refusal:
            return self.error(handler, 400, refusal)
        if answer and answer[0] == "stall":
            time.sleep(answer[1])
            return self.error(handler, 503, 20503)
        if answer and answer[0] != "hang":
            return self.error(handler, *answer)
        message = self.accept(form)
        if self.on_accept:
            self.on_accept(message)
        if answer:                  # ("hang", seconds): Twilio has it, the answer comes late
            time.sleep(answer[1])
        self.answer(handler, 201, {**message, "status": "queued", "date_sent": None})

    def refusal(self, form: dict) -> int | None:
        """Twilio's answer to a message its description allows but Twilio does not."""
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return 21603
        if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return 21602 if form.get("From") else 21619
        if utf16_length(form.get("Body") or "") > MAX_BODY:
            return 21617
        return None

    def accept(self, form: dict) -> dict:
        """Keep a message as Twilio would list it once sent (the stand-in sends at once)."""
        now = format_datetime(self.clock().astimezone(dt.UTC), usegmt=True).replace("GMT", "+0000")
        sid = "SM" + base64.b16encode(os.urandom(16)).decode().lower()
        body = form.get("Body")
        if form.get("ContentSid"):
            # Twilio sends the approved template's text with the variables filled in; the
            # stand-in does not know the text, so it shows the variables it would fill in.
            values = json.loads(form.get("ContentVariables") or "{}").values()
            body = f"[{form['ContentSid']}] " + " | ".join(str(v) for v in values)
        message = {
            "account_sid": ACCOUNT, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": now, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD",
            "sid": sid, "status": "sent", "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}/Media.json"},
            "status_callback": form.get("StatusCallback"),   # kept for tests, never listed
        }
        with self.lock:
            self.messages.append(message)
        return message

    def handle_get(self, handler: BaseHTTPRequestHandler) -> None:
        path, _, query = handler.path.partition("?")
        self.check(handler, "GET", None)
        params = dict(urllib.parse.parse_qsl(query))
        with self.lock:
            self.lookups.append({"path": path, "query": params})
            answer = self.list_script.pop(0) if self.list_script else None
        if path != MESSAGES:
            return self.error(handler, 404, 20404)
        if answer:
            return self.error(handler, *answer)
        found = [self.public(m) for m in reversed(self.messages) if self.listed(m, params)]
        size, page = int(params.get("PageSize", 50)), int(params.get("Page", 0))
        shown = found[page * size:(page + 1) * size]
        more = len(found) > (page + 1) * size
        base = {k: v for k, v in params.items() if k not in ("Page", "PageToken")}

        def uri(number: int) -> str:
            return MESSAGES + "?" + urllib.parse.urlencode({**base, "Page": number,
                                                            "PageToken": f"PT{number}"})

        self.answer(handler, 200, {
            "messages": shown, "start": page * size, "end": page * size + max(len(shown) - 1, 0),
            "page": page, "page_size": size, "uri": uri(page), "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if more else None,
            "previous_page_uri": uri(page - 1) if page else None})

    @staticmethod
    def listed(message: dict, params: dict) -> bool:
        """Apply Twilio's list filters: To, From, and DateSent on GMT dates."""
        if params.get("To") and message["to"] != params["To"]:
            return False
        if params.get("From") and message["from"] != params["From"]:
            return False
        sent = dt.datetime.strptime(message["date_sent"], "%a, %d %b %Y %H:%M:%S %z").date()
        for name, keep in (("DateSent", sent.__eq__), ("DateSent>", sent.__ge__),
                           ("DateSent<", sent.__le__)):
            if params.get(name) and not keep(dt.date.fromisoformat(params[name][:10])):
                return False
        return True

    @staticmethod
    def public(message: dict) -> dict:
        return {k: v for k, v in message.items() if k != "status_callback"}

    def error(self, handler: BaseHTTPRequestHandler, status: int, code: int) -> None:
        self.answer(handler, status, {
            "code": code, "message": REFUSALS.get(code, "scripted failure"), "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"})

    @staticmethod
    def answer(handler: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def bodies(self) -> list[str]:
        return [r["form"].get("Body") for r in self.requests]
