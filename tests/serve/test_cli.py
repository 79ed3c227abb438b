"""``mmm serve`` as a user starts it: a real process that prints its URL and answers there."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from mmm.serve.server import free_port

from .conftest import call

MMM = Path(sys.executable).with_name("mmm")


def test_mmm_serve_prints_the_url_and_serves_the_models(serve_models):
    port = free_port()
    process = subprocess.Popen(
        [str(MMM), "serve", *map(str, serve_models), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert first.strip() == (
            f"mmm planner on http://127.0.0.1:{port}/  (models: north, south)"
        ), first
        deadline = time.monotonic() + 60
        while True:
            try:
                status, info = call(f"http://127.0.0.1:{port}/api/model?model=south")
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
        assert status == 200 and info["models"] == ["north", "south"]
        status, page = call(f"http://127.0.0.1:{port}/")
        assert status == 200 and "<title>mmm planner</title>" in page
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_binding_elsewhere_is_announced(serve_models):
    # 192.0.2.1 is TEST-NET-1: never this machine's address, so nothing is exposed (bind fails)
    done = subprocess.run(
        [str(MMM), "serve", str(serve_models[0]), "--host", "192.0.2.1", "--port", "8050"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = " ".join(done.stdout.split())
    assert "note: binding to 192.0.2.1" in out and "there is no login" in out
    assert done.returncode == 2 and "mmm planner on" not in out
    assert done.stderr.strip() == (
        "error: cannot listen on 192.0.2.1 port 8050 (Cannot assign requested address); "
        "give an address of this machine with --host"
    )


def test_a_busy_port_is_one_line_and_exit_2_before_any_url(serve_models):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(MMM), "serve", str(serve_models[0]), "--port", str(port)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 is in use; pick another with --port"
    )


def test_a_missing_model_folder_is_one_line_and_exit_2(tmp_path: Path):
    done = subprocess.run(
        [str(MMM), "serve", str(tmp_path / "nope")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "nope" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_mmm_help_does_not_load_the_web_stack():
    code = (
        "import sys, mmm.cli; "
        "web = ('fastapi', 'uvicorn', 'starlette', 'plotly'); "
        "print(sorted(m for m in web if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
