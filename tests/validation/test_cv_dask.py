"""Cross-validation on a real Dask cluster: a ``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1, one of them killed while it fits a fold.

The reference is the same cross-validation run fold by fold in a separate process
(``mmm cv --sequential``). Both start after a warm-up process has compiled the model into the
on-disk cache: every process then runs the cache-loaded code (a process that compiled the code
itself can differ in the last bits of the log density, which changes the draws, see
docs/validation.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from mmm.model.config import load_config
from mmm.model.data import load_dataset
from mmm.model.simulate import simulate, simulation_config
from mmm.validation.cv import cross_validate

pytestmark = pytest.mark.slow

CV_ARGS = ["--folds", "3", "--horizon", "8", "--min-train", "50"]
START_TIMEOUT_S = 60


def dask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "dask", *args]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def cluster(tmp_path: Path):
    """(scheduler address, {worker name: process}); every process stopped afterwards."""
    from distributed import Client

    scheduler_file = tmp_path / "scheduler.json"
    processes = [
        subprocess.Popen(
            dask_command(
                "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                "--scheduler-file", str(scheduler_file),
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    workers = {}
    try:
        wait_for(scheduler_file.exists, START_TIMEOUT_S, "the scheduler")
        address = json.loads(scheduler_file.read_text())["address"]
        for name in ("w0", "w1"):
            workers[name] = subprocess.Popen(
                dask_command(
                    "worker", address, "--name", name, "--nthreads", "1", "--no-nanny",
                    "--host", "127.0.0.1", "--no-dashboard",
                ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            processes.append(workers[name])
        with Client(address, timeout=START_TIMEOUT_S, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=START_TIMEOUT_S)
        yield address, workers
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture
def cv_config(tmp_path: Path, seed: int) -> Path:
    sim = simulate(seed=seed, weeks=74, n_channels=3)
    sim.write(tmp_path / "data.csv")
    raw = simulation_config(sim, "data.csv", name="cvdask", draws=300, tune=300)
    path = tmp_path / "cvdask.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "mmm"), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return result


def kill_when_busy(address: str, name: str, process: subprocess.Popen, killed: list) -> None:
    """Kill worker ``name`` as soon as the scheduler shows it fitting a fold."""
    from distributed import Client

    with Client(address, timeout=START_TIMEOUT_S, set_as_default=False) as client:

        def busy() -> bool:
            by_name = {w["name"]: a for a, w in client.scheduler_info()["workers"].items()}
            return bool(client.processing().get(by_name.get(name), ()))

        wait_for(busy, 300, f"worker {name} to start a fold")
        time.sleep(1.0)  # well inside the fold's fit
        process.kill()
        killed.append(name)


def test_cv_through_a_real_cluster_survives_a_killed_worker(cluster, cv_config, tmp_path):
    address, workers = cluster
    folds = ["--folds", "1", "--horizon", "8", "--draws", "20", "--tune", "20", "--sequential"]
    run_cli("cv", str(cv_config), *folds, "--html", str(tmp_path / "warm.html"))  # warm-up
    reference = run_cli(
        "cv", str(cv_config), *CV_ARGS, "--sequential", "--json", "--html", str(tmp_path / "a.html")
    )

    config = load_config(cv_config)
    killed: list[str] = []
    killer = threading.Thread(
        target=kill_when_busy, args=(address, "w0", workers["w0"], killed), daemon=True
    )
    killer.start()
    result = cross_validate(
        config, load_dataset(config), 3, 8, 50, scheduler=address, progress=False
    )
    killer.join(timeout=60)

    assert killed == ["w0"], "the worker was to be killed while it fitted a fold"
    assert workers["w0"].poll() is not None
    assert len(result.folds) == 3
    # the same floats as the sequential run's JSON output, all but the fits' timings
    assert without_timings(json.loads(json.dumps(result.to_dict()))) == without_timings(
        json.loads(reference.stdout)
    )


def without_timings(output: dict) -> dict:
    for fold in output["folds"]:
        for key in ("compile_seconds", "sample_seconds"):
            assert fold["diagnostics"].pop(key) >= 0
    return output
