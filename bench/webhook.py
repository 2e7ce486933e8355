"""Webhook throughput: Mi Audiencia under gunicorn against a bare Flask app on the same server
and settings, with signed inbound messages from many distinct people.

    .venv/bin/python bench/webhook.py [--seconds 10] [--connections 32] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from cryptography.fernet import Fernet  # noqa: E402
from load import run  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "bench-token"
# A realistic mix: greetings, menu choices, free phrases, dates, questions, help.
MIX = ["hola", "1", "quiero registrar mi audiencia", "Ana", "tijuana", "15 de marzo",
       "8 y media de la mañana", "no se", "no", "si", "cuando es mi audiencia",
       "a que hora me presento en el puente", "necesito un abogado", "ayuda", "menu", "3"]


def serve(app_spec: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
         "--log-level", "warning", app_spec],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            import http.client
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def worker_peak_rss_mb(master: int) -> float:
    """The largest peak resident size among the gunicorn master's worker processes."""
    peaks = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if int(status.get("PPid", "0").strip()) == master and "VmHWM" in status:
            peaks.append(int(status["VmHWM"].split()[0]) / 1024)
    return round(max(peaks), 1) if peaks else 0.0


def signed_request(port: int):
    validator = RequestValidator(TOKEN)
    url = f"http://127.0.0.1:{port}/twilio/messages"

    def make(connection: int, i: int):
        person = i % 5000   # many distinct people, each walking through the mix
        form = {"From": f"whatsapp:+521664{person:07d}", "Body": MIX[(i // 5000) % len(MIX)],
                "MessageSid": f"SM{i:032x}", "NumMedia": "0", "To": "+15005550006"}
        body = urllib.parse.urlencode(form).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": validator.compute_signature(url, form)}
        return "/twilio/messages", headers, body
    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-webhook-")
    env = {**os.environ, "DATABASE": os.path.join(tmp, "db.sqlite3"), "SECRET_KEY": "bench",
           "TWILIO_AUTH_TOKEN": TOKEN, "OUTBOX_PATH": os.path.join(tmp, "out.jsonl"),
           "SENDER": "dry_run",   # the token alone checks signatures; nothing is sent
           "LOG_LEVEL": "WARNING", "RATE_LIMIT_MESSAGES": "1000000", "DAILY_REPLY_CAP": "1000000",
           "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "PYTHONPATH": os.path.join(ROOT, "bench")}
    results = {}
    for name, spec, port in (("mi_audiencia", "bot:create_app()", 8101),
                             ("bare_flask", "bare_app:app", 8102)):
        # Signatures are checked against PUBLIC_BASE_URL, the URL the requests are signed for.
        server = serve(spec, port, args.workers,
                       {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"})
        try:
            make = signed_request(port)
            run(port, make, args.connections, 2)   # warm up
            results[name] = run(port, make, args.connections, args.seconds)
            results[name]["worker_peak_rss_mb"] = worker_peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
    refused = {name: r["statuses"] for name, r in results.items() if set(r["statuses"]) != {200}}
    if refused:   # a benchmark of refusals measures nothing
        sys.exit(f"not every request was answered 200: {refused}")
    ratio = results["mi_audiencia"]["rps"] / results["bare_flask"]["rps"]
    print(json.dumps({"machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                 f"Python {platform.python_version()}",
                      "connections": args.connections, "gunicorn_workers": args.workers,
                      "seconds": args.seconds, **results, "ratio": round(ratio, 3)}, indent=2))
    print(f"repeat: .venv/bin/python bench/webhook.py --seconds {args.seconds:g} "
          f"--connections {args.connections} --workers {args.workers}")


if __name__ == "__main__":
    main()
