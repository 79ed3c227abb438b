"""The planner's state: loaded models, cached response models, and calls into the library.

Every number comes from :mod:`mmm.planning` (:class:`~mmm.planning.response.ResponseModel`,
:func:`~mmm.planning.plans.evaluate_plan`, :func:`~mmm.planning.optimizer.optimize`,
:func:`~mmm.planning.scenarios.compare`): this module only picks the model, caches the response
model of a (horizon, pattern, draws) setting and shapes JSON. Errors are
:class:`~mmm.errors.MmmError` naming the request field.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from mmm.analysis.intervals import interval
from mmm.errors import MmmError
from mmm.model.fit import FittedModel
from mmm.model.store import load_model
from mmm.planning.objectives import OBJECTIVES, channel_index
from mmm.planning.optimizer import optimize
from mmm.planning.plans import evaluate_plan, plan_summary
from mmm.planning.response import PATTERNS, ResponseModel, default_horizon
from mmm.planning.scenarios import (
    allocation_spend,
    compare,
    parse_scenarios,
    validate_scenarios,
)
from mmm.serve.schemas import (
    CompareRequest,
    CurvesRequest,
    EvaluateRequest,
    OptimizeRequest,
    PlanSettings,
)

#: Response models kept per model (one per horizon / pattern / draws setting).
CACHE_SIZE = 8


def _check_channels(names: Any, response: ResponseModel, field: str) -> None:
    """Refuse an unknown channel, naming ``<field>.<channel>``."""
    if isinstance(names, dict | list):
        for name in names:
            bare = str(name).partition("=")[0].strip()  # 'radio=2e4' in a list of fixed
            channel_index(bare, response.channels, f"{field}.{bare}")


#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a string read as a formula gets a leading ``'``.

    Names come from model and scenario files; ``=HYPERLINK(...)`` in one must not run when the
    export is opened. Numbers are left as they are (``-3.5`` stays a number).

    Parameters
    ----------
    value : Any

    Returns
    -------
    Any
        ``value``, or ``"'" + value`` for a string starting with ``=``, ``+``, ``-``, ``@``, a
        tab or a carriage return.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    """A :func:`csv.writer` whose rows go through :func:`csv_cell`."""

    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row: list) -> None:
        self._writer.writerow([csv_cell(v) for v in row])


def _one_line(text: str) -> str:
    """``text`` with line breaks and other control characters turned into single spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


@dataclass
class LoadedModel:
    """One fitted model the app serves."""

    name: str
    directory: Path
    fitted: FittedModel


def _model_names(fitted: list[FittedModel], dirs: list[Path]) -> list[str]:
    """Config names, or folder names where two models share one."""
    names = [f.config.name for f in fitted]
    if len(set(names)) == len(names):
        return names
    names = [d.name for d in dirs]
    if len(set(names)) == len(names):
        return names
    raise MmmError("two model folders have the same name; pass folders with distinct names")


class Planner:
    """The models behind the app and the planning calls on them.

    Parameters
    ----------
    model_dirs : list of path
        Fitted model folders (from ``mmm fit``); loaded at once, so a damaged folder fails at
        start-up with the store's message.
    """

    def __init__(self, model_dirs: list[str | Path]) -> None:
        if not model_dirs:
            raise MmmError("give at least one model folder", key="MODEL_DIR")
        dirs = [Path(d) for d in model_dirs]
        fitted = [load_model(d) for d in dirs]
        names = _model_names(fitted, dirs)
        self.models = {n: LoadedModel(n, d, f) for n, d, f in zip(names, dirs, fitted, strict=True)}
        self._responses: OrderedDict[tuple, ResponseModel] = OrderedDict()
        self._lock = threading.Lock()

    # -- models and response models ------------------------------------------------------
    def model(self, name: str | None) -> LoadedModel:
        """The model called ``name`` (the first when None)."""
        if name is None:
            return next(iter(self.models.values()))
        if name not in self.models:
            raise MmmError(
                f"unknown model '{name}'; serving: {', '.join(self.models)}", key="model"
            )
        return self.models[name]

    def response(self, settings: PlanSettings) -> tuple[LoadedModel, ResponseModel]:
        """The (cached) response model of a setting."""
        loaded = self.model(settings.model)
        key = (loaded.name, settings.horizon, settings.pattern, settings.draws)
        with self._lock:
            cached = self._responses.get(key)
            if cached is not None:
                self._responses.move_to_end(key)
                return loaded, cached
        response = ResponseModel.from_fitted(
            loaded.fitted, settings.horizon, settings.pattern, settings.draws
        )
        with self._lock:
            self._responses[key] = response
            while len(self._responses) > CACHE_SIZE * len(self.models):
                self._responses.popitem(last=False)
        return loaded, response

    @staticmethod
    def _prob(loaded: LoadedModel, value: float | None) -> float:
        return float(loaded.fitted.config.interval if value is None else value)

    # -- endpoints -------------------------------------------------------------------------
    def model_info(self, settings: PlanSettings) -> dict[str, Any]:
        """Channels, current spend (horizon total and per period), data ranges, options."""
        loaded, response = self.response(settings)
        fitted = loaded.fitted
        dataset = fitted.dataset
        observed = response.observed
        recent = dataset.spend[-response.horizon :]
        channels = {}
        for i, name in enumerate(response.channels):
            channels[name] = {
                "current": float(response.current[i]),
                "current_per_period": [float(v) for v in recent[:, i]],
                "period_min": float(observed.period_min[i]),
                "period_max": float(observed.period_max[i]),
            }
        return {
            "model": loaded.name,
            "models": list(self.models),
            "kpi": fitted.config.data.target_column,
            "frequency": dataset.frequency,
            "periods": int(dataset.n_periods),
            "first_date": str(dataset.dates[0].date()),
            "last_date": str(dataset.dates[-1].date()),
            "horizon": response.horizon,
            "default_horizon": default_horizon(dataset.period_days, dataset.n_periods),
            "pattern": response.pattern_kind,
            "patterns": list(PATTERNS),
            "draws": response.n_draws,
            "total_draws": int(fitted.n_draws),
            "interval": self._prob(loaded, None),
            "channels": channels,
            "current_total": float(response.current.sum()),
            "amount_limit": float(observed.limit()),
            "objectives": OBJECTIVES,
            # a panel plans channels here, each with its geo split of the last H periods held
            "geos": list(dataset.geos) if dataset.is_panel else None,
        }

    def evaluate(self, request: EvaluateRequest) -> dict[str, Any]:
        """Expected KPI with its interval and per-channel figures of a fixed allocation."""
        loaded, response = self.response(request)
        _check_channels(request.allocation, response, "allocation")
        spend = allocation_spend(request.allocation, response, "allocation")
        plan = evaluate_plan(response, spend)
        summary = plan_summary(plan, self._prob(loaded, request.interval))
        totals = summary["totals"]
        return {
            "model": loaded.name,
            "horizon": summary["horizon"],
            "pattern": summary["pattern"],
            "draws": summary["draws"],
            "interval": summary["interval"],
            "kpi": totals["kpi"],
            "current_kpi": totals["reference_kpi"],
            "uplift": totals["uplift"],
            "p_better": totals["p_better"],
            "total_spend": totals["spend"],
            "current_spend": totals["current_spend"],
            "roi": totals["roi"],
            "channels": {
                name: {
                    "spend": row["optimal"],
                    "current": row["current"],
                    "contribution": row["contribution"],
                    "roi": row["roi"],
                    "mroi": row["mroi"],
                }
                for name, row in summary["channels"].items()
            },
            "warnings": summary["warnings"],
        }

    def optimize(self, request: OptimizeRequest) -> dict[str, Any]:
        """``mmm optimize --json``'s summary plus ``allocation`` (same defaults, same answer)."""
        loaded, response = self.response(request)
        _check_channels(request.bounds, response, "bounds")
        _check_channels(request.fixed, response, "fixed")
        fixed = request.fixed
        if isinstance(fixed, str):
            fixed = [part for part in fixed.split(",") if part.strip()] or None
        plan = optimize(response, request.budget, request.bounds, fixed, request.objective)
        summary = plan_summary(plan, self._prob(loaded, request.interval))
        summary["model"] = loaded.name
        summary["allocation"] = {c: row["optimal"] for c, row in summary["channels"].items()}
        return summary

    def curves(self, request: CurvesRequest) -> dict[str, Any]:
        """Each channel's horizon response curve (mean and interval) from 0 past the plan.

        The grid of channel ``m`` runs from 0 to the larger of twice its current spend and
        1.25 times its planned amount; channels are separable, so one evaluation of the
        response model per grid point gives every channel's curve.
        """
        loaded, response = self.response(request)
        prob = self._prob(loaded, request.interval)
        _check_channels(request.allocation, response, "allocation")
        planned = allocation_spend(request.allocation, response, "allocation")
        top = np.maximum(2.0 * response.current, 1.25 * planned)
        top = np.where(top > 0, top, max(float(response.current.mean()), 1.0))
        grid = np.linspace(0.0, 1.0, request.points)[:, None] * top  # (K, M)
        draws = np.stack([response.evaluate(row, gradient=False)[0] for row in grid], axis=-1)
        stats = interval(draws, prob)  # each (M, K)
        return {
            "model": loaded.name,
            "interval": prob,
            "channels": {
                name: {
                    "spend": grid[:, i].tolist(),
                    "mean": stats["mean"][i].tolist(),
                    "lo": stats["lo"][i].tolist(),
                    "hi": stats["hi"][i].tolist(),
                }
                for i, name in enumerate(response.channels)
            },
        }

    def compare(self, request: CompareRequest) -> dict[str, Any]:
        """Scenarios compared side by side (what ``mmm optimize --scenarios --json`` prints)."""
        loaded = self.model(request.model)
        spec = validate_scenarios(request.scenario_file())
        settings = PlanSettings(
            model=loaded.name, horizon=spec.horizon, pattern=spec.pattern, draws=spec.draws
        )
        _, response = self.response(settings)
        result = compare(response, spec, self._prob(loaded, request.interval))
        result["model"] = loaded.name
        return result

    def scenario_yaml(self, request: CompareRequest) -> str:
        """The scenarios as the YAML ``mmm optimize --scenarios`` reads.

        The scenarios are first compared on the model (:meth:`compare`), so a file that
        ``mmm optimize --scenarios`` would refuse (a horizon longer than the data, an unknown
        channel, a budget the bounds cannot meet) is refused here with the same field named.
        """
        model = self.compare(request)["model"]
        spec = validate_scenarios(request.scenario_file())
        data = spec.model_dump(exclude_none=True, exclude_defaults=False)
        for scenario in data["scenarios"]:
            if "optimize" in scenario:
                scenario["optimize"] = {k: v for k, v in scenario["optimize"].items() if v}
        header = f"# mmm optimize {_one_line(model)} --scenarios FILE (exported by mmm serve)\n"
        return header + yaml.safe_dump(data, sort_keys=False)

    def scenario_csv(self, request: CompareRequest) -> str:
        """The comparison as CSV: one row per scenario and channel, and a total row each."""
        result = self.compare(request)
        out = io.StringIO()
        writer = _SafeWriter(csv.writer(out, lineterminator="\n"))
        writer.writerow(
            ["scenario", "channel", "spend", "kpi_mean", "kpi_lo", "kpi_hi",
             "uplift_mean", "p_beats_reference"]
        )  # fmt: skip
        for scenario in result["scenarios"]:
            for channel in result["channels"]:
                part = scenario["contribution"][channel]
                writer.writerow(
                    [scenario["name"], channel, scenario["spend"][channel],
                     part["mean"], part["lo"], part["hi"], "", ""]
                )  # fmt: skip
            kpi, uplift = scenario["kpi"], scenario["uplift"]
            writer.writerow(
                [scenario["name"], "TOTAL", scenario["total_spend"], kpi["mean"], kpi["lo"],
                 kpi["hi"], uplift["mean"], scenario["p_beats_reference"]]
            )  # fmt: skip
        return out.getvalue()

    @staticmethod
    def import_yaml(text: str) -> dict[str, Any]:
        """A scenario YAML's content, validated, as JSON (what the page loads)."""
        spec = parse_scenarios(text, source="imported YAML")
        if spec.by_geo:
            raise MmmError(
                "the planner page plans channels; run a by_geo scenario file with "
                "mmm optimize MODEL --scenarios FILE",
                source="imported YAML",
                key="by_geo",
            )
        return spec.model_dump(exclude_none=True)
