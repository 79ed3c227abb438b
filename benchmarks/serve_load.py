"""Load on the planner app (`mmm serve`): latency, optimize time, concurrency, memory.

Builds a model folder with 10 channels and 1,000 posterior draws (the planning tests' quick
model: the real model structure with prior draws and near-truth media parameters, no sampling),
starts ``mmm serve`` on it as its own process on 127.0.0.1, and measures from this process:

1. ``POST /api/evaluate`` latency over ``--requests`` sequential requests with random
   allocations (p50 / p95 / p99 / max), one keep-alive connection (what the page does);
2. ``POST /api/optimize`` wall time for the objectives ``mean``, ``mean_minus_std:1`` and
   ``cvar:0.1`` (median of ``--repeat``);
3. 20 clients, each on its own connection, sending one request at the same moment (barrier),
   5 rounds: every answer must equal the answer to the same request sent alone;
4. the server's resident memory (``/proc/PID/status`` VmRSS) every 1,000 requests over
   ``--memory-requests`` evaluate requests from 4 client threads.

Every request goes to 127.0.0.1; the run stops after ``--max-seconds``. Results are printed and
written to benchmarks/results/serve_load.json.

    .venv/bin/python benchmarks/serve_load.py [--channels 10] [--draws 1000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def build_model(folder: Path, channels: int, draws: int) -> Path:
    """A saved quick model (tests/planning/conftest.py) with ``draws`` draws in 2 chains."""
    sys.path.insert(0, str(ROOT))
    from mmm.model.simulate import simulate
    from mmm.model.store import save_model
    from tests.planning.conftest import quick_fitted

    sim = simulate(seed=7, weeks=156, n_channels=channels)
    data_path, _ = sim.write(folder / "data.csv")
    return save_model(quick_fitted(sim, data_path, seed=1, draws=draws // 2), folder / "model")


class Client:
    """One keep-alive HTTP connection to the app."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def post(self, path: str, body: dict) -> tuple[int, dict, float]:
        start = time.perf_counter()
        self.conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = json.loads(response.read())
        return response.status, data, time.perf_counter() - start

    def get(self, path: str) -> dict:
        self.conn.request("GET", path)
        return json.loads(self.conn.getresponse().read())


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def allocations(current: dict[str, float], n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    names = list(current)
    factors = rng.uniform(0.3, 2.0, (n, len(names)))
    return [{c: float(current[c] * f) for c, f in zip(names, row, strict=True)} for row in factors]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-requests", type=int, default=10_000)
    parser.add_argument("--max-seconds", type=float, default=900)
    args = parser.parse_args()
    started = time.monotonic()
    out: dict = {"channels": args.channels, "draws": args.draws}

    with tempfile.TemporaryDirectory(prefix="mmm-serve-load-") as tmp:
        model = build_model(Path(tmp), args.channels, args.draws)
        sys.path.insert(0, str(ROOT))
        from mmm.serve.server import free_port

        port = free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("mmm")), "serve", str(model), "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            server.stdout.readline()
            deadline = time.monotonic() + 120
            while True:
                try:
                    info = Client(port).get("/api/model")
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            current = {c: row["current"] for c, row in info["channels"].items()}
            assert info["draws"] == args.draws, info["draws"]
            print(f"{len(current)} channels x {info['draws']} draws, horizon {info['horizon']}")
            client = Client(port)
            for body in allocations(current, 20, 0):  # warm-up (first response model build)
                client.post("/api/evaluate", {"allocation": body})

            # 1. evaluate latency
            times = []
            for body in allocations(current, args.requests, 1):
                status, _, seconds = client.post("/api/evaluate", {"allocation": body})
                assert status == 200
                times.append(seconds)
            out["evaluate_ms"] = {
                "requests": len(times), "p50": pct(times, 50), "p95": pct(times, 95),
                "p99": pct(times, 99), "max": max(times) * 1000,
            }  # fmt: skip
            print("evaluate latency (ms):", json.dumps(out["evaluate_ms"]))

            # 2. optimize time
            out["optimize_s"] = {}
            for objective in ("mean", "mean_minus_std:1", "cvar:0.1"):
                walls = []
                for _ in range(args.repeat):
                    status, plan, seconds = client.post("/api/optimize", {"objective": objective})
                    assert status == 200 and plan["solver"]["success"], plan
                    walls.append(seconds)
                out["optimize_s"][objective] = round(float(np.median(walls)), 3)
            print("optimize wall time, median (s):", json.dumps(out["optimize_s"]))

            # 3. 20 concurrent clients
            bodies = allocations(current, 20, 2)
            alone = [client.post("/api/evaluate", {"allocation": b})[1] for b in bodies]
            clients = [Client(port) for _ in bodies]
            wrong, concurrent_times = 0, []
            for _ in range(5):
                barrier = threading.Barrier(len(bodies))

                def one(i: int, barrier=barrier) -> tuple[dict, float]:
                    barrier.wait()
                    status, data, seconds = clients[i].post(
                        "/api/evaluate", {"allocation": bodies[i]}
                    )
                    return (data if status == 200 else {}), seconds

                with ThreadPoolExecutor(len(bodies)) as pool:
                    answers = list(pool.map(one, range(len(bodies))))
                wrong += sum(a != b for (a, _), b in zip(answers, alone, strict=True))
                concurrent_times += [s for _, s in answers]
            out["concurrent"] = {
                "clients": len(bodies), "rounds": 5, "wrong_answers": wrong,
                "p95_ms": pct(concurrent_times, 95), "max_ms": max(concurrent_times) * 1000,
            }  # fmt: skip
            print("20 concurrent clients:", json.dumps(out["concurrent"]))

            # 4. memory over many requests
            memory = [round(rss_mib(server.pid), 1)]
            done, lock = 0, threading.Lock()
            pool_clients = [Client(port) for _ in range(4)]
            bodies = allocations(current, 1000, 3)

            def worker(k: int) -> None:
                nonlocal done
                while time.monotonic() - started < args.max_seconds:
                    with lock:
                        if done >= args.memory_requests:
                            return
                        done += 1
                        n = done
                    status, _, _ = pool_clients[k].post(
                        "/api/evaluate", {"allocation": bodies[n % len(bodies)]}
                    )
                    assert status == 200
                    if n % 1000 == 0:
                        memory.append(round(rss_mib(server.pid), 1))

            start = time.perf_counter()
            threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            out["memory"] = {
                "requests": done, "rss_mib_every_1000": memory,
                "growth_mib_after_first_1000": round(memory[-1] - memory[1], 1)
                if len(memory) > 2 else None,
                "requests_per_s": round(done / (time.perf_counter() - start), 1),
            }  # fmt: skip
            print("memory:", json.dumps(out["memory"]))
        finally:
            server.terminate()
            server.wait(timeout=30)
    results = ROOT / "benchmarks" / "results" / "serve_load.json"
    results.write_text(json.dumps(out, indent=2) + "\n")
    print(f"written {results}")


if __name__ == "__main__":
    main()
