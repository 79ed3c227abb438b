"""Sample the model and check convergence: (Config, Dataset) -> FittedModel."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pymc as pm
import xarray as xr

from mmm.errors import MmmError
from mmm.experiments.records import LiftRecord, read_records
from mmm.interrupts import Stops, deferred_interrupts, propagate_interrupts
from mmm.model.build import Scales, build_model, channel_plan
from mmm.model.centring import Pilot, centring_pilot, pilot_length
from mmm.model.config import LARGE_MODEL_PARAMETERS, Config, SamplerConfig
from mmm.model.convergence import bulk_ess, rank_normalized_rhat
from mmm.model.data import Dataset
from mmm.model.jax_model import expand_points
from mmm.model.nutpie_import import import_nutpie
from mmm.model.nuts import choose_compile_backend, compile_for_nutpie
from mmm.model.start import can_start_near_mode, start_near_mode
from mmm.model.transforms import ADSTOCKS, SATURATIONS, ChannelPlan

#: Compiled nutpie models of this process with their model graph, by structure key (oldest
#: dropped first).
_COMPILED: dict[str, tuple[str, object]] = {}
_COMPILED_MAX = 8

#: The posterior's attributes naming what nutpie's model was compiled with, and its adaptation.
COMPILE_BACKEND_ATTR = "mmm_compile_backend"
ADAPTATION_ATTR = "mmm_adaptation"
#: The posterior's attribute naming the model graph sampled (see :data:`EVERY_TRANSFORM`).
MODEL_GRAPH_ATTR = "mmm_model_graph"
#: Model graphs: the config's transforms only, or every transform with the config's choice of
#: them as data (:func:`mmm.model.build.build_model`). A panel has one graph (the former).
CONFIG_TRANSFORMS, EVERY_TRANSFORM = "config transforms", "every transform"

#: Thresholds above/below which a fit gets a loud warning.
RHAT_MAX = 1.01
ESS_MIN = 400


@dataclass(frozen=True)
class Diagnostics:
    """Convergence summary of a posterior."""

    rhat_max: float
    ess_bulk_min: float
    divergences: int
    compile_seconds: float = float("nan")
    sample_seconds: float = float("nan")
    #: what nutpie's model was compiled with ('numba', 'numba_cfunc', 'jax'), and its mass-matrix
    #: adaptation, with 'auto' resolved ('' for the other samplers)
    compile_backend: str = ""
    adaptation: str = ""
    #: the model graph sampled: :data:`CONFIG_TRANSFORMS` or :data:`EVERY_TRANSFORM`
    model_graph: str = ""

    def warnings(self) -> list[str]:
        """Plain-language warnings for every threshold crossed."""
        out = []
        if not self.rhat_max <= RHAT_MAX:
            out.append(
                f"R-hat is {self.rhat_max:.3f} (> {RHAT_MAX}): chains disagree; "
                "run more tune/draws or simplify the model"
            )
        if not self.ess_bulk_min >= ESS_MIN:
            out.append(
                f"bulk ESS is {self.ess_bulk_min:.0f} (< {ESS_MIN}): too few effective draws "
                "for stable intervals; run more draws or chains"
            )
        if self.divergences > 0:
            out.append(
                f"{self.divergences} divergent transitions: the posterior may be biased; "
                "raise sampler.target_accept or reconsider priors"
            )
        return out

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form (the summary's ``diagnostics`` block)."""
        return {
            "rhat_max": round(float(self.rhat_max), 4),
            "ess_bulk_min": round(float(self.ess_bulk_min), 1),
            "divergences": int(self.divergences),
            "compile_seconds": round(float(self.compile_seconds), 2),
            "sample_seconds": round(float(self.sample_seconds), 2),
            "compile_backend": self.compile_backend,
            "adaptation": self.adaptation,
            "model_graph": self.model_graph,
        }


@dataclass
class FittedModel:
    """A posterior together with everything needed to interpret it in original units.

    Attributes
    ----------
    config : Config
        The resolved configuration.
    dataset : Dataset
        The data the model was fitted on.
    idata : xarray.DataTree
        Posterior and sample stats (ArviZ 1.x layout).
    scales : Scales
        Divisors from original to model units.
    diagnostics : Diagnostics
    lift_records : list of LiftRecord
        The lift tests the model was calibrated with (empty when none).
    """

    config: Config
    dataset: Dataset
    idata: xr.DataTree
    scales: Scales
    diagnostics: Diagnostics
    lift_records: list[LiftRecord] = field(default_factory=list)
    # A cache of draws(); never copied, so dataclasses.replace(fitted, idata=...) starts afresh.
    _draws: dict[str, np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # Quantities derived from the posterior (see derived()); starts afresh like _draws.
    _derived: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def plan(self) -> ChannelPlan:
        """How each channel's spend is transformed."""
        return channel_plan(self.config)

    @property
    def posterior(self) -> xr.Dataset:
        """The posterior group as an xarray Dataset."""
        return self.idata["posterior"].to_dataset()

    def draws(self, name: str) -> np.ndarray:
        """Posterior draws of ``name`` with chains and draws stacked first: (S, ...)."""
        if name not in self._draws:
            values = self.posterior[name].to_numpy()
            self._draws[name] = values.reshape(-1, *values.shape[2:])
        return self._draws[name]

    def derived[T](self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for; the same value afterwards.

        The analysis keeps here what several summaries need (every geo's contributions at the
        observed spend, say), so that a summary and a report compute it once. Arrays in the
        value (directly, or as values of a dict or fields of a dataclass) are made read-only,
        so no caller can change what the next one gets.
        """
        if key not in self._derived:
            value = compute()
            parts = value.values() if isinstance(value, dict) else [value]
            if dataclasses.is_dataclass(value):
                parts = [getattr(value, f.name) for f in dataclasses.fields(value)]
            for part in parts:
                for array in part.values() if isinstance(part, dict) else [part]:
                    if isinstance(array, np.ndarray):
                        array.flags.writeable = False
            self._derived[key] = value
        return self._derived[key]

    def geo_draws(self, name: str) -> np.ndarray:
        """Draws of a per-geo quantity with a geo axis after the draws, for either model.

        A panel's ``geo_<name>`` when it has one (``level``, ``trend``, and ``seasonality`` or
        ``control_coef`` when they are per geo), else ``name``; a variable without a geo
        dimension (national models, shared terms) gets a geo axis of length 1. So ``level``
        and ``sigma`` are (S, G), ``beta`` (S, G, M), ``seasonality`` (S, G, 2K).
        """
        posterior = self.idata["posterior"]
        key = f"geo_{name}" if f"geo_{name}" in posterior else name
        values = self.draws(key)
        return values if "geo" in posterior[key].dims else values[:, None, ...]

    def geo_draw(self, name: str, geo: int) -> np.ndarray:
        """Draws of ``name`` for geo number ``geo``: (S, ...); shared terms are the same for all."""
        values = self.geo_draws(name)
        return values[:, geo if values.shape[1] > 1 else 0]

    def transform_params(self) -> dict[str, np.ndarray]:
        """Adstock and saturation parameter draws keyed as the transforms expect."""
        plan = self.plan
        out = {}
        for kind, registry in (("adstock", ADSTOCKS), ("saturation", SATURATIONS)):
            for name in plan.groups(kind):
                for param in registry[name].params:
                    key = plan.param_name(name, param)
                    out[key] = self.draws(key)
        return out

    def thinned(self, max_draws: int) -> FittedModel:
        """The model with its posterior thinned evenly to at most ``max_draws`` draws in all."""
        posterior = self.posterior
        n_chains, n_draws = posterior.sizes["chain"], posterior.sizes["draw"]
        step = max(1, -(-n_chains * n_draws // max_draws))
        while step < n_draws and n_chains * -(-n_draws // step) > max_draws:
            step += 1
        if step <= 1:
            return self
        tree = xr.DataTree.from_dict({"posterior": posterior.isel(draw=slice(None, None, step))})
        return dataclasses.replace(self, idata=tree)

    @property
    def n_draws(self) -> int:
        """Total posterior draws over chains."""
        posterior = self.posterior
        return int(posterior.sizes["chain"] * posterior.sizes["draw"])


def fit(
    config: Config,
    dataset: Dataset,
    lift_records: Sequence[LiftRecord] = (),
    progress: bool = True,
    on_stage: Callable[[str], None] | None = None,
) -> FittedModel:
    """Build and sample the model.

    Parameters
    ----------
    config : Config
    dataset : Dataset
    lift_records : sequence of LiftRecord
        Lift tests to calibrate with (see :func:`load_lift_records`).
    progress : bool
        Show the sampler's progress bar.
    on_stage : callable, optional
        Called with a short description when a stage starts ('compiling', 'sampling').

    Returns
    -------
    FittedModel

    Raises
    ------
    KeyboardInterrupt
        When the fit is stopped (Ctrl-C, or SIGTERM under
        :func:`mmm.interrupts.terminate_as_interrupt`); see :func:`sample`.
    """
    model, scales = build_model(config, dataset, lift_records)
    if config.sampler.distribute_chains and config.sampler.chains > 1 and not _in_dask_worker():
        idata, compile_s, sample_s = sample_chains_on_dask(config, dataset, lift_records, on_stage)
    else:
        reuse_key = None if lift_records else structure_key(config, dataset)
        pilot = centring_pilot(config) if dataset.is_panel else None
        stand_in = None
        if not dataset.is_panel:  # its compiled code serves any choice of transforms

            def stand_in() -> pm.Model:
                return build_model(config, dataset, lift_records, every_transform=True)[0]

        idata, compile_s, sample_s = sample(
            model, config.sampler, progress, on_stage, reuse_key, pilot=pilot, stand_in=stand_in
        )
    diagnostics = diagnose(idata, compile_s, sample_s)
    return FittedModel(config, dataset, idata, scales, diagnostics, list(lift_records))


def sample_chains_on_dask(
    config: Config,
    dataset: Dataset,
    lift_records: Sequence[LiftRecord] = (),
    on_stage: Callable[[str], None] | None = None,
) -> tuple[xr.DataTree, float, float]:
    """Sample each chain of the model as its own Dask task (``sampler.distribute_chains``).

    Chain ``c`` is a one-chain fit seeded ``sampler.seed + c`` (a panel's pilot runs within
    each chain's task); the chains are joined afterwards. The same seed gives the same draws
    wherever the chains run, but not those of the chains sampled together in one process.
    Where they run: :func:`mmm.runner.run_tasks` (``MMM_DASK_SCHEDULER`` or a scheduler set
    with :func:`mmm.runner.use_scheduler`, else a local cluster of one worker per chain).

    Returns
    -------
    idata : xarray.DataTree
        ``posterior`` and ``sample_stats`` with a chain per task.
    compile_seconds, sample_seconds : float
        The slowest chain's.
    """
    from mmm.runner import run_tasks

    sampler = config.sampler
    tasks = []
    for chain in range(sampler.chains):
        one = sampler.model_copy(
            update={"chains": 1, "seed": sampler.seed + chain, "distribute_chains": False}
        )
        tasks.append((config.model_copy(update={"sampler": one}), dataset, tuple(lift_records)))
    if on_stage is not None:
        on_stage(f"sampling {sampler.chains} chains as Dask tasks")
    results = run_tasks(one_chain, tasks, workers=sampler.chains, progress=False, label="chains")
    groups = {}
    for group in ("posterior", "sample_stats"):
        parts = [r[0][group].assign_coords(chain=[i]) for i, r in enumerate(results)]
        groups[group] = xr.concat(parts, dim="chain")
    compile_s = max(r[1] for r in results)
    sample_s = max(r[2] for r in results)
    return xr.DataTree.from_dict(groups), compile_s, sample_s


def one_chain(
    config: Config, dataset: Dataset, lift_records: Sequence[LiftRecord]
) -> tuple[dict[str, xr.Dataset], float, float]:
    """One chain's posterior and sample stats with its compile and sampling seconds (a task)."""
    fitted = fit(config, dataset, lift_records, progress=False)
    groups = {g: fitted.idata[g].to_dataset() for g in ("posterior", "sample_stats")}
    return groups, fitted.diagnostics.compile_seconds, fitted.diagnostics.sample_seconds


def _in_dask_worker() -> bool:
    """Whether this code runs in a Dask task (whose chains then stay in the task)."""
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return False
    return True


def load_lift_records(config: Config) -> list[LiftRecord]:
    """The lift tests named by ``calibration.lift_tests`` (none when it is unset)."""
    path = config.calibration.lift_tests
    return read_records(path) if path is not None else []


def structure_key(config: Config, dataset: Dataset) -> str:
    """What a compiled model depends on besides its data: config structure, priors, shapes."""
    spec = config.model_dump(
        mode="json", exclude={"name", "data", "interval", "calibration", "validation"}
    )
    spec["sampler"] = {"compile_backend": config.sampler.compile_backend}
    spec["shape"] = [
        dataset.is_panel,
        dataset.n_geos,
        dataset.n_periods,
        len(dataset.channels),
        list(dataset.control_names),  # events and holidays: their names follow the dates
    ]
    spec["calibration"] = config.calibration.model_dump(mode="json", exclude={"lift_tests"})
    return json.dumps(spec, sort_keys=True)


def sample(
    model: pm.Model,
    sampler: SamplerConfig,
    progress: bool = True,
    on_stage: Callable[[str], None] | None = None,
    reuse_key: str | None = None,
    pilot: Pilot | None = None,
    stand_in: Callable[[], pm.Model] | None = None,
) -> tuple[xr.DataTree, float, float]:
    """Run NUTS with the configured backend.

    With nutpie and a ``stand_in`` (a builder of the model's every-transform graph), a model
    structure the compile cache lacks is sampled with the stand-in's cached code when the
    cache holds that (:func:`mmm.model.nuts.choose_compile_backend`); the posterior's
    ``mmm_model_graph`` attribute says which graph was sampled.

    With nutpie and a ``reuse_key`` (see :func:`structure_key`), a model compiled earlier in
    this process for the same key is reused with this model's data swapped in, which skips the
    compile step (cross-validation, many markets, simulation studies).

    With nutpie and a ``pilot``, a short run of the compiled model comes first (see
    :func:`mmm.model.centring.pilot_length`); the pilot maps its posterior to data values that
    change how the main run samples, not what it samples (:mod:`mmm.model.centring`). Its time
    counts as sampling time. Other backends skip the pilot.

    With ``sampler.start: mode`` (by default from 1,000 free parameters) and a model compiled for
    ``compile_backend: numba``, the chains start near the posterior mode found on the compiled
    model (:mod:`mmm.model.start`), found again after the pilot changes the data; that search
    counts as sampling time too.

    Returns
    -------
    idata : xarray.DataTree
    compile_seconds, sample_seconds : float

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C (or SIGTERM under :func:`mmm.interrupts.terminate_as_interrupt`), within a
        second or two also while chains run; no partial posterior is returned.
    """
    stage = on_stage or (lambda _msg: None)
    if sampler.backend == "numpyro" and importlib.util.find_spec("numpyro") is None:
        raise MmmError("this sampler needs NumPyro: pip install numpyro", key="sampler.backend")
    cores = max(1, min(sampler.chains, os.cpu_count() or 1))
    with propagate_interrupts() as stops:
        if sampler.backend == "nutpie":
            idata, compile_s, sample_s = _sample_nutpie(
                model, sampler, cores, progress, stage, reuse_key, stops, pilot, stand_in
            )
            return without_empty_variables(idata), compile_s, sample_s
        stage(f"sampling with {sampler.backend}")
        start = time.perf_counter()
        with model, warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            idata = pm.sample(
                draws=sampler.draws,
                tune=sampler.tune,
                chains=sampler.chains,
                cores=cores,
                random_seed=sampler.seed,
                progressbar=progress,
                target_accept=sampler.target_accept,
                nuts_sampler=sampler.backend,
                compute_convergence_checks=False,
                # PyMC's own sampler stops (keeping the draws so far) when this raises
                callback=stops.check if sampler.backend == "pymc" else None,
                **_backend_options(sampler.backend),
            )
    return without_empty_variables(idata), float("nan"), time.perf_counter() - start


def _backend_options(backend: str) -> dict:
    """Extra ``pm.sample`` arguments for ``backend``. NumPyro on one CPU device runs the chains
    one after the other (vectorized chains took twice as long on the example), said here so
    that it does not warn about it."""
    return {"nuts": {"chain_method": "sequential"}} if backend == "numpyro" else {}


def without_empty_variables(idata: xr.DataTree) -> xr.DataTree:
    """``idata`` without the posterior's variables of no elements, and their empty dims.

    The model holds the parameters of every saturation, those no channel uses with no elements
    (:meth:`mmm.model.transforms.ChannelPlan.family_index`); they carry nothing to keep.
    """
    posterior = idata["posterior"].to_dataset()
    empty = [name for name, var in posterior.data_vars.items() if var.size == 0]
    if not empty:
        return idata
    posterior = posterior.drop_vars(empty)
    unused = [dim for dim in posterior.dims if posterior.sizes[dim] == 0]
    idata["posterior"] = xr.DataTree(posterior.drop_dims(unused))
    return idata


def _sample_nutpie(
    model: pm.Model,
    sampler: SamplerConfig,
    cores: int,
    progress: bool,
    stage: Callable[[str], None],
    reuse_key: str | None,
    stops: Stops,
    pilot: Pilot | None,
    stand_in: Callable[[], pm.Model] | None = None,
) -> tuple[xr.DataTree, float, float]:

    start = time.perf_counter()
    panel = pilot is not None  # a geo panel: minutes of sampling, larger gradients
    compile_backend = "numba"
    if reuse_key is not None and reuse_key in _COMPILED:
        stage("reusing the compiled model with new data")
        model_graph, compiled = _COMPILED[reuse_key]
        # the key includes the channels' transforms: an every-transform graph's data saying
        # which channel uses which are those it was compiled with
        data = {var.name: var.get_value() for var in model.data_vars}
        compiled = compiled.with_data(**data)
    else:
        choice = choose_compile_backend(
            model, sampler.compile_backend, long_run=panel, stand_in=stand_in
        )
        model_graph = EVERY_TRANSFORM if choice.model is not None else CONFIG_TRANSFORMS
        if choice.model is not None:  # the stand-in's code, cached, instead of a compile
            model = choice.model
        stage(f"compiling the model ({choice.describe()})")
        compiled = compile_for_nutpie(model, choice.backend, choice.graphs)
        compile_backend = choice.backend
        stops.check()  # an interrupt swallowed while compiling stops here, before caching
        if reuse_key is not None and compile_backend != "jax":  # JAX's model holds its data
            _COMPILED[reuse_key] = (model_graph, compiled)
            while len(_COMPILED) > _COMPILED_MAX:
                _COMPILED.pop(next(iter(_COMPILED)))
    compiled_at = time.perf_counter()
    if compile_backend == "jax" and not panel:
        # nutpie calls the JAX log density through Python, and two chains' threads take turns
        # at the GIL: the example's two chains sampled in 10.0 s in two threads and in 5.7 s in
        # one, the very same draws (docs/benchmarks.md). A panel's gradient is larger and runs
        # outside Python, so a panel keeps a thread per chain.
        cores = 1
    point = None
    if resolved_start(sampler, compiled.n_dim) == "mode" and can_start_near_mode(compiled):
        stage("finding the posterior mode to start from")
        compiled, point = start_near_mode(compiled)
    if pilot is not None:
        compiled = run_pilot(compiled, sampler, pilot, cores, stage)
        if point is not None:  # the pilot's data move the mode (the geo effects' centring)
            compiled, _ = start_near_mode(compiled, start=point)
    stage("sampling")
    tune, draws = sampler.tune, sampler.draws
    idata = _run_nutpie(compiled, sampler, cores, tune, draws, sampler.seed, progress)
    idata.attrs[COMPILE_BACKEND_ATTR] = compile_backend
    idata.attrs[ADAPTATION_ATTR] = resolved_adaptation(sampler, compiled.n_dim)
    idata.attrs[MODEL_GRAPH_ATTR] = model_graph
    return _relabel(idata, model), compiled_at - start, time.perf_counter() - compiled_at


def run_pilot(
    compiled,
    sampler: SamplerConfig,
    pilot: Pilot,
    cores: int,
    stage: Callable[[str], None] = lambda _msg: None,
):
    """Sample a short run of a compiled nutpie model and return it with the pilot's data set.

    The run is :func:`mmm.model.centring.pilot_length` long, seeded ``sampler.seed + 1``;
    ``stage`` is told its length when it starts.
    """
    tune, draws = pilot_length(sampler)
    stage(f"pilot run ({sampler.chains} x ({tune} + {draws}) draws)")
    trial = _run_nutpie(compiled, sampler, cores, tune, draws, sampler.seed + 1, False)
    return compiled.with_data(**pilot(trial["posterior"].to_dataset()))


def _run_nutpie(
    compiled, sampler: SamplerConfig, cores: int, tune: int, draws: int, seed: int, progress: bool
) -> xr.DataTree:
    """nutpie's trace of ``compiled`` with the sampler's chains and settings, no warm-up kept."""
    return _sample_in_background(
        compiled,
        draws=draws,
        tune=tune,
        chains=sampler.chains,
        cores=cores,
        seed=seed,
        progress_bar=progress,
        save_warmup=False,
        target_accept=sampler.target_accept,
        adaptation=resolved_adaptation(sampler, compiled.n_dim),
    )


def resolved_adaptation(sampler: SamplerConfig, n_parameters: int) -> str:
    """nutpie's mass-matrix adaptation for a model of ``n_parameters`` free parameters:
    ``sampler.adaptation``, with 'auto' resolved by :data:`LARGE_MODEL_PARAMETERS`."""
    if sampler.adaptation != "auto":
        return sampler.adaptation
    return "low_rank" if n_parameters < LARGE_MODEL_PARAMETERS else "diag"


def resolved_start(sampler: SamplerConfig, n_parameters: int) -> str:
    """Where the chains of a model of ``n_parameters`` free parameters start:
    ``sampler.start``, with 'auto' resolved by :data:`LARGE_MODEL_PARAMETERS`."""
    if sampler.start != "auto":
        return sampler.start
    return "jitter" if n_parameters < LARGE_MODEL_PARAMETERS else "mode"


def _relabel(idata: xr.DataTree, model: pm.Model) -> xr.DataTree:
    """The posterior's coordinates from ``model`` (a reused compiled model keeps those of the
    model it was compiled for, e.g. another panel's geo names)."""
    posterior = idata["posterior"].to_dataset()
    labels = {
        dim: list(values)
        for dim, values in model.coords.items()
        if dim in posterior.dims and values is not None
    }
    idata["posterior"] = xr.DataTree(posterior.assign_coords(labels))
    return idata


def _sample_in_background(compiled, **options) -> xr.DataTree:
    """nutpie's trace, sampled in its background threads; a stop (Ctrl-C, SIGTERM) cancels them.

    nutpie's blocking call turns Ctrl-C into an early return with the draws so far; here the
    interrupt propagates instead, so no partial posterior is ever taken for a fit. A stop that
    arrives while nutpie starts its threads is held until the handle to cancel them exists
    (else the threads would outlive the interrupt and the process would not exit).
    """
    nutpie = import_nutpie()

    background = None
    try:
        with deferred_interrupts():
            background = nutpie.sample(compiled, blocking=False, **options)
        return expand_points(compiled, background.wait())
    except BaseException:
        if background is not None:
            background.cancel()
        raise


def diagnose(
    idata: xr.DataTree, compile_seconds: float = float("nan"), sample_seconds: float = float("nan")
) -> Diagnostics:
    """R-hat (max), bulk ESS (min) over all posterior variables, and the divergence count."""
    posterior = idata["posterior"].to_dataset()
    draws = [posterior[v].transpose("chain", "draw", ...).to_numpy() for v in posterior.data_vars]
    rhat_max = max(float(np.nanmax(rank_normalized_rhat(d))) for d in draws)
    ess_min = min(float(np.nanmin(bulk_ess(d))) for d in draws)
    stats = idata["sample_stats"].to_dataset()
    key = "diverging" if "diverging" in stats else "divergences"
    divergences = int(stats[key].to_numpy().sum()) if key in stats else 0
    backend = str(idata.attrs.get(COMPILE_BACKEND_ATTR, ""))
    adaptation = str(idata.attrs.get(ADAPTATION_ATTR, ""))
    graph = str(idata.attrs.get(MODEL_GRAPH_ATTR, ""))
    return Diagnostics(
        rhat_max, ess_min, divergences, compile_seconds, sample_seconds, backend, adaptation, graph
    )
