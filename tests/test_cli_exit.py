"""The ``mmm`` script's exit: the command's code, its whole output and the exit handlers, without
the interpreter's teardown (``mmm.console.main``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MMM = str(Path(sys.executable).parent / "mmm")


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=cwd)


def test_an_error_keeps_its_exit_code_and_message(tmp_path: Path) -> None:
    done = _run(MMM, "fit", str(tmp_path / "missing.yaml"))
    assert done.returncode == 2
    assert "missing.yaml" in done.stderr + done.stdout


def test_the_whole_output_is_written_and_exit_handlers_run(tmp_path: Path) -> None:
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('exit handler ran', flush=True))\n"
        "sys.argv = ['mmm', 'simulate', '--weeks', '60', '-o', 'sim.csv']\n"
        "from mmm.console import main\n"
        "main()\n"
        "print('not reached')\n"
    )
    done = _run(sys.executable, "-c", script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "sim.csv").is_file()
    assert done.stdout.rstrip().endswith("exit handler ran")
    assert "not reached" not in done.stdout


def test_a_running_non_daemon_thread_gets_the_usual_exit(tmp_path: Path) -> None:
    """Python waits for such a thread; so does the script (its last words are printed)."""
    script = (
        "import sys, threading, time\n"
        "def late():\n"
        "    time.sleep(1.0)\n"
        "    print('thread finished', flush=True)\n"
        "threading.Thread(target=late).start()\n"
        "sys.argv = ['mmm', '--help']\n"
        "from mmm.console import main\n"
        "main()\n"
    )
    done = _run(sys.executable, "-c", script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "thread finished" in done.stdout


def test_the_collector_threshold_is_set_before_the_commands_are_imported(tmp_path: Path) -> None:
    """The imports of PyMC and PyTensor run under the script's threshold, not Python's default."""
    script = (
        "import atexit, gc, sys\n"
        "import mmm.console\n"
        "print('cli imported early:', 'mmm.cli' in sys.modules, flush=True)\n"
        "wanted = mmm.console.YOUNG_GENERATION_THRESHOLD\n"
        "atexit.register(lambda: print('threshold set:', gc.get_threshold()[0] == wanted))\n"
        "sys.argv = ['mmm', '--help']\n"
        "mmm.console.main()\n"
    )
    done = _run(sys.executable, "-c", script, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "cli imported early: False" in done.stdout
    assert "threshold set: True" in done.stdout
