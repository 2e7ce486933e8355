"""A fast stand-in for Twilio's Messages endpoint on loopback, for throughput (not validation:
tests/twilio_fake.py checks requests against Twilio's OpenAPI description)."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWER = json.dumps({"sid": "SM" + "0" * 32, "status": "queued"}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as Twilio's API does
    # Headers and body in one write, sent at once: otherwise Nagle and delayed ACKs add
    # 40 ms to every request on loopback and the bench measures TCP, not the bot.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    count = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with Handler.lock:
            Handler.count += 1
            sid = f"SM{Handler.count:032d}"
        body = ANSWER.replace(b"SM" + b"0" * 32, sid.encode())
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start(port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    start(int(sys.argv[1])).serve_forever()
