"""Ctrl-C and SIGTERM stop a real `mmm fit` process within seconds and leave the model alone.

Each case starts `mmm fit` on the session's small model with 40,000 draws (minutes of sampling),
waits for the "sampling" stage line, signals the process and times how long it takes to exit.
The structure was compiled for the session's model, so the child compiles from PyTensor's disk
cache in a few seconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

MMM = Path(sys.executable).with_name("mmm")
#: Generous for a loaded CI machine; an unloaded one stops in 2-4 s (most of it interpreter exit).
STOP_WITHIN_S = 10.0
#: After the stage line, so that the chains are running when the signal comes.
SETTLE_S = 1.0


def _default_signals() -> None:
    """In the child: SIGINT and SIGTERM as a terminal would deliver them.

    A suite started as a background job (``cmd &`` in a script) inherits an ignored SIGINT,
    which the child would keep (as it should for a background job), and never stop.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _config_with_backend(config: Path, compile_backend: str | None, folder: Path) -> Path:
    """``config``, or a copy beside it with ``sampler.compile_backend`` set."""
    if compile_backend is None:
        return config
    raw = yaml.safe_load(config.read_text())
    raw["sampler"]["compile_backend"] = compile_backend
    raw["data"]["path"] = str((config.parent / raw["data"]["path"]).resolve())
    copy = folder / f"{config.stem}-{compile_backend}.yaml"
    copy.write_text(yaml.safe_dump(raw, sort_keys=False))
    return copy


@pytest.mark.parametrize(
    ("signum", "code", "compile_backend"),
    [(signal.SIGINT, 130, None), (signal.SIGTERM, 143, None), (signal.SIGINT, 130, "jax")],
    ids=["SIGINT", "SIGTERM", "SIGINT-jax"],
)
def test_a_signal_stops_the_fit_and_keeps_the_earlier_model(
    saved_model, tmp_path, signum, code, compile_backend
):
    """The config's own compile backend ('auto'), and JAX named outright (a first fit's)."""
    out = shutil.copytree(saved_model.folder, tmp_path / "models" / "small")
    before = digest(out)
    config = _config_with_backend(saved_model.config, compile_backend, tmp_path)
    command = [str(MMM), "fit", str(config), "-o", str(out)]
    command += ["--draws", "40000", "--no-progress"]
    env = os.environ | {"COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=_default_signals,
    )  # fmt: skip
    watchdog = threading.Timer(180, proc.kill)  # never hang the suite
    watchdog.start()
    try:
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.strip() == "... sampling":
                break
        assert seen and seen[-1].strip() == "... sampling", "".join(seen) + proc.stderr.read()
        time.sleep(SETTLE_S)
        assert proc.poll() is None, "the fit ended before it was signalled"
        proc.send_signal(signum)
        sent = time.perf_counter()
        _, stderr = proc.communicate(timeout=60)
        stopped_after = time.perf_counter() - sent
    finally:
        watchdog.cancel()
        proc.kill()
    assert proc.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == f"interrupted; {out} unchanged"
    assert "Traceback" not in stderr
    assert stopped_after < STOP_WITHIN_S
    assert digest(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["small"]  # no .small.tmp-*/.old-*
