"""A local stand-in for Twilio's REST API that checks every request against Twilio's own
OpenAPI description (tests/data, from twilio/twilio-oai, MIT) and answers as told."""

from __future__ import annotations

import base64
import gzip
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

SPEC_PATH = os.path.join(os.path.dirname(__file__), "data", "twilio_api_v2010.json.gz")
ACCOUNT = "AC" + "0" * 32
_spec = None


def spec() -> OpenAPI:
    global _spec
    if _spec is None:
        with gzip.open(SPEC_PATH, "rt", encoding="utf-8") as f:
            _spec = OpenAPI.from_dict(json.load(f))
    return _spec


class FakeTwilio:
    """Serve on 127.0.0.1; `script` holds answers for the next requests: (status, code),
    ("hang", seconds) or None for a normal 201."""

    def __init__(self):
        self.requests: list[dict] = []
        self.violations: list[str] = []
        self.script: list = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"] or 0)).decode()
                fake.handle(self, body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, handler: BaseHTTPRequestHandler, body: str) -> None:
        form = dict(urllib.parse.parse_qsl(body))
        checked = requests.Request(
            "POST", "https://api.twilio.com" + handler.path, data=form,
            headers={"Authorization": handler.headers.get("Authorization", "")}).prepare()
        try:
            spec().validate_request(RequestsOpenAPIRequest(checked))
        except Exception as exc:   # any way the request breaks Twilio's description
            with self.lock:
                self.violations.append(f"{handler.path}: {exc}")
        with self.lock:
            self.requests.append({"path": handler.path, "form": form,
                                  "auth": handler.headers.get("Authorization", "")})
            answer = self.script.pop(0) if self.script else None
        if answer and answer[0] == "hang":
            time.sleep(answer[1])
            answer = None
        if answer:
            status, code = answer
            payload = {"code": code, "message": "scripted failure", "status": status,
                       "more_info": f"https://www.twilio.com/docs/errors/{code}"}
        else:
            status = 201
            payload = {"sid": "SM" + base64.b16encode(os.urandom(16)).decode().lower(),
                       "status": "queued", "account_sid": ACCOUNT, "to": form.get("To"),
                       "body": form.get("Body")}
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def bodies(self) -> list[str]:
        return [r["form"].get("Body") for r in self.requests]
