"""nutpie is imported without all of ArviZ, and ArviZ stays whole for everyone else."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_nutpie_comes_without_arviz_stats_and_plots() -> None:
    loaded = _run(
        "import sys\n"
        "from mmm.model.nutpie_import import import_nutpie\n"
        "nutpie = import_nutpie()\n"
        "import arviz_base\n"
        "assert sys.modules['nutpie.sample'].arviz.from_dict is arviz_base.from_dict\n"
        "print(sorted(m for m in ('arviz', 'arviz_stats', 'arviz_plots') if m in sys.modules))"
    )
    assert loaded == "[]"


def test_arviz_imported_afterwards_is_the_real_package() -> None:
    loaded = _run(
        "import sys\n"
        "from mmm.model.nutpie_import import import_nutpie\n"
        "import_nutpie()\n"
        "import arviz\n"
        "print(type(arviz).__name__, callable(arviz.rhat), hasattr(arviz, 'plot_dist'))\n"
        "print(sys.modules['nutpie.sample'].arviz.loo is arviz.loo)"  # the stand-in defers to it
    )
    assert loaded.splitlines() == ["module True True", "True"]
