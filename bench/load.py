"""A small closed-loop HTTP load generator on loopback: N connections, each sending the next
request as soon as the last answered, for a fixed time. Bounded in count and time."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable


def run(port: int, make_request: Callable[[int, int], tuple[str, dict, bytes]],
        connections: int = 32, seconds: float = 10.0, max_requests: int = 200_000) -> dict:
    """Return requests per second, p50 and p99 latency (ms), and the status counts."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    counter = iter(range(max_requests))

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local, local_status = [], {}
        while time.monotonic() < deadline:
            try:
                i = next(counter)
            except StopIteration:
                break
            path, headers, body = make_request(n, i)
            start = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            local.append(time.perf_counter() - start)
            local_status[response.status] = local_status.get(response.status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(local)
            for k, v in local_status.items():
                statuses[k] = statuses.get(k, 0) + v

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000, "statuses": statuses}
