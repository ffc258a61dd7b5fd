"""Search throughput through the integration API: ``chronotrace serve`` in its own process over a synthetic
library (workstation profile, isolated temp data dir), called by several concurrent clients.

    .venv/bin/python bench/api.py [--segments 100000] [--clients 1,4,8,16] [--requests 40] [--keep DIR]

Build: the same library as ``bench/search.py`` (its ``build``: segments with ingestion-like attributes, real
MiniLM caption vectors, PostgreSQL rows of ingestion's size), the HNSW index built, an administrator and one API
key with ``write:searches`` and limits high enough not to be the bottleneck.

Measure: for each number of concurrent clients, every client (its own HTTP connection, as a VMS would keep one)
sends ``--requests`` ``POST /v1/searches``, each through the whole server path: key check, the hourly/daily limit
counted in PostgreSQL, the search (query embedding, vector search, PostgreSQL join, the ``searches`` row with the
caller's address) and the ``api_call`` audit row. Queries are new texts (the search cache never helps) unless
``--repeat`` asks for one repeated query (cache hits). Prints the machine, p50/p95 latency and requests per
second at each level.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe
from search import build, pct

from chronotrace_desktop.config import load_settings, resolve_paths
from chronotrace_desktop.services.api_keys import Scope
from chronotrace_desktop.services.app import open_app

ADMIN, PASSWORD = "bench@chronotrace.test", "benchmark password"
COLOURS = ["red", "blue", "black", "white", "grey", "green", "yellow", "brown", "orange", "purple"]
THINGS = ["jacket", "coat", "hoodie", "shirt", "car", "van", "bag", "backpack", "umbrella", "bicycle"]
PLACES = ["near the door", "in the car park", "at night", "walking left", "by the entrance", "running"]
WHO = ["man", "woman", "person", "child"]


def query_texts() -> list[str]:
    """2,400 distinct queries: a run takes each at most once, so no request finds it in the search cache."""
    return [f"{w} {c} {t} {p}" for w, c, t, p in itertools.product(WHO, COLOURS, THINGS, PLACES)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare(data_dir: Path, segments: int, pool: int, seed: int) -> str:
    """Build (or reuse) the library and return a new API key for it."""
    paths = resolve_paths(data_dir)
    reuse = (data_dir / "postgres").exists()
    app = open_app(load_settings(paths), paths)
    try:
        if not reuse:
            app.installation.create_first_admin(ADMIN, PASSWORD)
        actor = app.auth.login(ADMIN, PASSWORD)
        if app.vectors.info().points_count < segments:
            build(app, actor.user_id, segments, pool, seed)
            started = time.perf_counter()
            app.vectors.optimize()
            print(f"  HNSW index built in {time.perf_counter() - started:.0f} s")
        made = app.api_keys.create(
            actor, name="bench", scopes=[Scope.WRITE_SEARCHES], rate_per_hour=10**7, rate_per_day=10**8
        )
        return made.key
    finally:
        app.close()


def serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHRONOTRACE_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chronotrace_desktop",
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(port),
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the server did not answer within 120 s")


def run_level(
    url: str, key: str, clients: int, requests: int, texts: list[str], first: int = 0
) -> tuple[list[float], float]:
    """``clients`` threads, each with its own connection, ``requests`` searches each: (latencies ms, wall s)."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(offset: int) -> None:
        headers = {"Authorization": f"Bearer {key}", "User-Agent": "bench-api/1.0"}
        with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
            barrier.wait()
            for i in range(requests):
                text = texts[(offset + i) % len(texts)]
                started = time.perf_counter()
                response = http.post("/v1/searches", json={"text": text, "limit": 20})
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if response.status_code == 200:
                        latencies.append(elapsed)
                    else:
                        failures.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=client, args=(first + n * requests,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} request(s) failed, e.g. {failures[0]}")
    return latencies, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=4000, help="distinct synthetic captions")
    parser.add_argument("--clients", default="1,4,8,16", help="concurrency levels, comma-separated")
    parser.add_argument("--requests", type=int, default=40, help="requests per client at each level")
    parser.add_argument("--repeat", action="store_true", help="one repeated query (search-cache hits)")
    parser.add_argument("--keep", type=Path, help="build in (or reuse) this data dir instead of a temp one")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    levels = [int(n) for n in args.clients.split(",")]
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="ct-bench-api-") as tmp:
        data_dir = args.keep or Path(tmp) / "data"
        print(f"library: {args.segments:,} segments (workstation profile, data dir {data_dir})")
        key = prepare(data_dir, args.segments, args.pool, args.seed)
        port = free_port()
        server = serve(data_dir, port)
        try:
            url = f"http://127.0.0.1:{port}"
            texts = ["man in a red jacket"] if args.repeat else query_texts()
            run_level(url, key, 2, 5, texts[::-1])  # warm-up: model, pools, connections
            kind = "one repeated query (cache hits)" if args.repeat else "new queries (no cache hits)"
            print(f"POST /v1/searches, limit 20, {kind}, {args.requests} requests per client:")
            first = 0
            for clients in levels:
                latencies, wall = run_level(url, key, clients, args.requests, texts, first)
                first += clients * args.requests
                print(
                    f"  {clients:3d} client(s): {len(latencies) / wall:6.1f} requests/s   "
                    f"p50 {statistics.median(latencies):7.1f} ms   p95 {pct(latencies, 0.95):7.1f} ms   "
                    f"(n={len(latencies)}, {wall:.1f} s)",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
