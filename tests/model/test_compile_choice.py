"""compile_backend 'auto': JAX for a model structure the Numba cache lacks, the cached Numba code
once it holds it, and the background compile that fills the cache after a first fit."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pymc as pm
import pytest
import yaml

from mmm.model.nuts import choose_compile_backend, numba_graphs
from mmm.model.warm import wait_for_exit

from .conftest import write_config

MMM = str(Path(sys.executable).parent / "mmm")


def _fresh_structure(rng) -> pm.Model:
    """A small regression whose prior scale is a random constant: a structure no cache holds."""
    scale = float(rng.uniform(1.0, 2.0)) + time.time_ns() % 10**6 * 1e-9
    x = rng.normal(size=(30, 2))
    with pm.Model() as model:
        xs = pm.Data("x", x)
        beta = pm.Normal("beta", 0.0, scale, shape=2)
        sigma = pm.HalfNormal("sigma", 1.0)
        pm.Normal("y", xs @ beta, sigma, observed=x @ np.array([1.0, -1.0]), shape=xs.shape[0])
    return model


def test_a_named_backend_is_taken_as_it_is(rng) -> None:
    model = _fresh_structure(rng)
    for name in ("numba", "numba_cfunc", "jax"):
        choice = choose_compile_backend(model, name, long_run=False)
        assert (choice.backend, choice.reason, choice.graphs) == (name, "", None)


def test_auto_takes_jax_until_the_numba_cache_holds_the_structure(rng) -> None:
    model = _fresh_structure(rng)
    first = choose_compile_backend(model, "auto", long_run=False)
    assert first.backend == "jax"
    assert first.describe() == "jax: first fit of this model structure, no Numba compile"
    numba_graphs(model).load()  # what the background compile does
    again = choose_compile_backend(model, "auto", long_run=False)
    assert again.backend == "numba"
    assert again.reason == "model structure in the compile cache"
    assert again.graphs is not None and again.graphs.in_cache()


def test_a_structure_the_cache_lacks_samples_with_its_cached_stand_in(rng) -> None:
    own, stand_in = _fresh_structure(rng), _fresh_structure(rng)
    built = []

    def build_stand_in() -> pm.Model:
        built.append(stand_in)
        return stand_in

    for requested, backend in (("auto", "jax"), ("numba", "numba")):  # neither cached
        choice = choose_compile_backend(own, requested, False, stand_in=build_stand_in)
        assert (choice.backend, choice.model, choice.cached) == (backend, None, False)

    numba_graphs(stand_in).load()
    for requested in ("auto", "numba"):
        choice = choose_compile_backend(own, requested, False, stand_in=build_stand_in)
        assert choice.model is stand_in and choice.cached
        assert choice.describe() == "numba: the model's every-transform graph in the compile cache"
        assert choice.graphs is not None and choice.graphs.in_cache()

    numba_graphs(own).load()
    built.clear()
    choice = choose_compile_backend(own, "auto", False, stand_in=build_stand_in)
    assert (choice.model, choice.cached, choice.reason) == (
        None,
        True,
        "model structure in the compile cache",
    )
    assert built == []  # the stand-in is built only when the model's own code is not cached


def test_an_index_another_python_wrote_is_not_a_hit(rng) -> None:
    """The compile folder is shared between Python versions; only this Python's entry counts."""
    from pytensor.link.numba.cache import NUMBA_CACHE_PATH

    from mmm.model.nuts import _cache_key

    graphs = numba_graphs(_fresh_structure(rng))
    others = [
        NUMBA_CACHE_PATH / f"string.{kind}_callback-{_cache_key(callback)}.py27.nbi"
        for kind, callback in (("logp", graphs.logp_callback), ("expand", graphs.draws_callback))
    ]
    for other in others:
        other.touch()
    try:
        assert not graphs.in_cache()
    finally:
        for other in others:
            other.unlink()


@pytest.fixture
def no_graphs(monkeypatch):
    """numba_graphs made to fail: a choice made without building the graphs passes."""
    from mmm.model import nuts

    def not_built(model, logp=None):
        raise AssertionError("numba_graphs built")

    monkeypatch.setattr(nuts, "numba_graphs", not_built)


@pytest.fixture
def kept_markers(tmp_path, monkeypatch) -> Path:
    """A marker folder of the test's own, as a cache that keeps markers has."""
    from mmm.model import structures

    folder = tmp_path / "markers"
    folder.mkdir()
    monkeypatch.setattr(structures, "marker_folder", lambda: folder)
    return folder


def test_a_structure_never_compiled_takes_jax_without_building_the_graphs(
    rng, no_graphs, kept_markers
) -> None:
    """'auto' knows a structure is new from its fingerprint, without the second or two of
    building its Numba graphs; once a fit of it left a marker, it builds them to check the key."""
    from mmm.model import nuts
    from mmm.model.structures import remember

    model = _fresh_structure(rng)
    choice = choose_compile_backend(model, "auto", long_run=False)
    assert (choice.backend, choice.graphs) == ("jax", None)
    assert choice.describe() == "jax: first fit of this model structure, no Numba compile"

    remember(nuts.structure_fingerprint(model))
    assert any(kept_markers.iterdir())
    with pytest.raises(AssertionError, match="numba_graphs built"):
        choose_compile_backend(model, "auto", long_run=False)


def test_a_cache_filled_before_markers_is_checked_the_long_way(
    rng, no_graphs, tmp_path, monkeypatch
) -> None:
    """Without a marker folder, a cache holding any model may hold this one unmarked: the graphs
    are built and the key checked; an empty cache holds nothing, so JAX at once."""
    import pytensor.link.numba.cache as cache

    from mmm.model import nuts, structures

    numba_folder = tmp_path / "numba"
    numba_folder.mkdir()
    monkeypatch.setattr(cache, "NUMBA_CACHE_PATH", numba_folder)
    monkeypatch.setattr(structures, "marker_folder", lambda: tmp_path / "never-made")
    model = _fresh_structure(rng)
    assert choose_compile_backend(model, "auto", long_run=False).backend == "jax"

    entry = f"string.logp_callback-abc_fastmath1_{nuts._CACHE_TAG}.{nuts.python_tag()}.nbi"
    (numba_folder / entry).touch()
    with pytest.raises(AssertionError, match="numba_graphs built"):
        choose_compile_backend(model, "auto", long_run=False)


def test_a_marker_without_the_compiled_code_is_not_a_hit(rng, kept_markers) -> None:
    """A marker only saves building the graphs: the cache key decides (a cleared cache)."""
    from mmm.model import nuts
    from mmm.model.structures import remember

    model = _fresh_structure(rng)
    remember(nuts.structure_fingerprint(model))
    choice = choose_compile_backend(model, "auto", long_run=False)
    assert (choice.backend, choice.graphs) == ("jax", None)


def _fingerprint_of(raw: dict, frame, every_transform: bool = False) -> str:
    from mmm.model.build import build_model
    from mmm.model.config import parse_config
    from mmm.model.data import dataset_from_frame
    from mmm.model.nuts import structure_fingerprint

    config = parse_config(raw)
    model, _ = build_model(config, dataset_from_frame(frame, config), (), every_transform)
    return structure_fingerprint(model)


def test_the_fingerprint_follows_the_structure_not_the_data_or_sizes(small_sim) -> None:
    from mmm.model.simulate import simulation_config

    raw = simulation_config(small_sim, "small.csv", draws=20, tune=20)
    frame = small_sim.frame
    defaults = raw["defaults"]
    longer = raw | {"defaults": defaults | {"adstock": {"type": "geometric", "max_lag": 12}}}
    weibull = raw | {"defaults": defaults | {"adstock": {"type": "weibull", "max_lag": 8}}}
    hill = raw | {"defaults": defaults | {"saturation": {"type": "hill"}}}
    no_trend = raw | {"trend": "none"}
    wider_level = raw | {"priors": {"level": {"dist": "Normal", "mu": 1.0, "sigma": 0.5}}}
    for every_transform in (False, True):
        same = _fingerprint_of(raw, frame, every_transform)
        assert _fingerprint_of(raw, frame.iloc[:-10], every_transform) == same  # other data
        assert _fingerprint_of(longer, frame, every_transform) == same  # the lags are data
        assert _fingerprint_of(no_trend, frame, every_transform) != same
        assert _fingerprint_of(wider_level, frame, every_transform) != same  # a prior's constant
        # which adstock and which saturation each channel uses: data of an every-transform
        # graph, structure of the config's own
        for edited in (weibull, hill):
            assert (_fingerprint_of(edited, frame, every_transform) == same) is every_transform
    assert _fingerprint_of(raw, frame, True) != _fingerprint_of(raw, frame, False)


def test_the_fingerprint_is_the_same_in_another_process(small_sim, tmp_path) -> None:
    """Markers are read by later processes: nothing in the fingerprint may vary per process
    (memory addresses, hash seeds)."""
    from mmm.model.simulate import simulation_config

    raw = simulation_config(small_sim, "small.csv", draws=20, tune=20)
    small_sim.frame.to_csv(tmp_path / "small.csv", index=False)
    (tmp_path / "raw.json").write_text(json.dumps(raw))
    script = (
        "import json, sys, pandas as pd\n"
        "from tests.model.test_compile_choice import _fingerprint_of\n"
        "raw = json.loads(open(sys.argv[1]).read())\n"
        "print(_fingerprint_of(raw, pd.read_csv(sys.argv[2], parse_dates=['date'])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "raw.json"), str(tmp_path / "small.csv")],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[2],
        env=os.environ | {"PYTHONHASHSEED": "12345"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == _fingerprint_of(raw, small_sim.frame)


def test_auto_keeps_numba_for_a_long_run(rng) -> None:
    choice = choose_compile_backend(_fresh_structure(rng), "auto", long_run=True)
    assert choice.backend == "numba"
    assert "a panel samples long" in choice.reason


def _fit(config: Path, folder: Path, env: dict) -> str:
    done = subprocess.run(
        [MMM, "fit", str(config), "--no-progress", "-o", str(folder)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return " ".join(done.stdout.split())  # rich wraps at the terminal width


@pytest.mark.slow
def test_first_fit_samples_with_jax_and_the_background_compile_serves_the_next(
    tmp_path: Path, small_files: tuple[Path, Path]
) -> None:
    """Two real `mmm fit` processes on an empty compile cache, and the detached compile between
    them: the first samples with JAX and starts it, the second loads its Numba code."""
    config_path, _ = small_files
    config = yaml.safe_load(config_path.read_text())
    config["sampler"] |= {"draws": 200, "tune": 200}
    config_path = write_config(config_path, config)
    cache = tmp_path / "compile-cache"
    env = os.environ | {
        "PYTENSOR_FLAGS": f"base_compiledir={cache}",
        "MMM_BACKGROUND_COMPILE": "1",
        "COLUMNS": "200",
    }
    first = _fit(config_path, tmp_path / "first", env)
    assert "compiling the model (jax: first fit of this model structure" in first
    started = re.search(r"in the background \(pid (\d+)\)", first)
    assert started, first
    summary = json.loads((tmp_path / "first" / "summary.json").read_text())
    assert summary["diagnostics"]["compile_backend"] == "jax"

    wait_for_exit(int(started.group(1)), timeout=400)
    log = (cache / "mmm-background-compile.log").read_text()
    assert f"{tmp_path / 'first'}: compiled" in log, log

    second = _fit(config_path, tmp_path / "second", env)
    assert "compiling the model (numba: model structure in the compile cache)" in second
    assert "in the background" not in second
    summary = json.loads((tmp_path / "second" / "summary.json").read_text())
    assert summary["diagnostics"]["compile_backend"] == "numba"
    assert summary["diagnostics"]["model_graph"] == "config transforms"
    assert summary["diagnostics"]["divergences"] == 0

    # an edit of a channel's saturation: the every-transform graph compiled in the background
    # with the first serves its first fit, and the edited structure's own code the next
    config["defaults"]["saturation"] = {"type": "hill"}
    config_path = write_config(config_path, config)
    edited = _fit(config_path, tmp_path / "edited", env)
    reason = "numba: the model's every-transform graph in the compile cache"
    assert f"compiling the model ({reason})" in edited
    summary = json.loads((tmp_path / "edited" / "summary.json").read_text())
    assert summary["diagnostics"]["model_graph"] == "every transform"
    started = re.search(r"in the background \(pid (\d+)\)", edited)
    assert started, edited
    wait_for_exit(int(started.group(1)), timeout=400)
    again = _fit(config_path, tmp_path / "again", env)
    assert "compiling the model (numba: model structure in the compile cache)" in again
    summary = json.loads((tmp_path / "again" / "summary.json").read_text())
    assert summary["diagnostics"]["model_graph"] == "config transforms"


@pytest.mark.parametrize(("backend", "threads"), [("jax", 1), ("numba", 2)])
def test_a_national_jax_fit_runs_its_chains_in_one_thread(
    small_sim, monkeypatch, backend: str, threads: int
) -> None:
    """Two threads calling the JAX log density through Python take turns at the GIL; the cached
    Numba code is called without Python, so its chains keep a thread each."""
    from mmm.model import fit as fit_module
    from mmm.model.build import build_model
    from mmm.model.config import parse_config
    from mmm.model.data import dataset_from_frame
    from mmm.model.simulate import simulation_config

    raw = simulation_config(small_sim, "small.csv", draws=20, tune=20, chains=2)
    raw["sampler"]["compile_backend"] = backend
    config = parse_config(raw)
    model, _ = build_model(config, dataset_from_frame(small_sim.frame, config))
    seen = []
    run = fit_module._sample_in_background

    def recorded(compiled, **settings):
        seen.append(settings["cores"])
        return run(compiled, **settings)

    monkeypatch.setattr(fit_module, "_sample_in_background", recorded)
    monkeypatch.setattr(fit_module.os, "cpu_count", lambda: 2)
    idata, _, _ = fit_module.sample(model, config.sampler, progress=False)
    assert seen == [threads]
    assert idata["posterior"].sizes["chain"] == 2


def _small_model(
    student_t=False, sigma_prior=pm.HalfNormal, transform=True, potential=False, **model
) -> pm.Model:
    """A one-coefficient regression with one part or another changed."""
    x = np.linspace(0.0, 1.0, 20)
    with pm.Model(**model) as built:
        beta = pm.Normal("beta", 0.0, 1.0)
        scale = sigma_prior("sigma", 1.0, **({} if transform else {"default_transform": None}))
        if student_t:
            pm.StudentT("y", nu=4.0, mu=beta * x, sigma=scale, observed=2.0 * x)
        else:
            pm.Normal("y", mu=beta * x, sigma=scale, observed=2.0 * x)
        if potential:
            pm.Potential("shrink", -(beta**2))
    return built


def test_the_fingerprint_tells_apart_what_changes_the_log_density() -> None:
    """What PyMC derives the log density from: each change gives another fingerprint."""
    from mmm.model.nuts import structure_fingerprint

    variants = {
        "base": _small_model(),
        "likelihood": _small_model(student_t=True),
        "prior family": _small_model(sigma_prior=pm.Exponential),
        "no transform": _small_model(transform=False),
        "potential": _small_model(potential=True),
        "bounds unchecked": _small_model(check_bounds=False),
    }
    prints = {name: structure_fingerprint(model) for name, model in variants.items()}
    assert len(set(prints.values())) == len(prints), prints
    assert structure_fingerprint(_small_model()) == prints["base"]
    assert all(p.startswith("model-") for p in prints.values())  # of the model's graph


def test_the_fingerprint_builds_no_log_density(small_sim, monkeypatch) -> None:
    """Building the log density cost a quarter of a second of every refit."""
    from mmm.model.simulate import simulation_config

    raw = simulation_config(small_sim, "small.csv", draws=20, tune=20)
    expected = _fingerprint_of(raw, small_sim.frame)

    def not_built(*_args, **_kwargs):
        raise AssertionError("the log density was built")

    monkeypatch.setattr(pm.Model, "logp", not_built)
    assert _fingerprint_of(raw, small_sim.frame) == expected


def test_a_custom_log_density_is_fingerprinted_by_its_graph() -> None:
    """A CustomDist's operation class is made at run time and its log density is the user's
    function: two of them by one name differ only in their log densities."""
    from mmm.model.nuts import structure_fingerprint

    def custom(logp) -> pm.Model:
        with pm.Model() as model:
            pm.CustomDist("x", logp=logp, observed=np.ones(3))
            pm.Normal("z", 0.0, 1.0)
        return model

    square = structure_fingerprint(custom(lambda value: -(value**2)))
    absolute = structure_fingerprint(custom(lambda value: -abs(value)))
    assert square != absolute
    assert square.startswith("logp-")  # of the log density: its rewritten graphs are not kept
    assert structure_fingerprint(custom(lambda value: -(value**2))) == square
