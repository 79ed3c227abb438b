"""Named budget scenarios from YAML, compared side by side on one posterior.

A scenario file::

    horizon: 13            # planned periods (default: a quarter of the data's frequency)
    pattern: flat          # flat | history: how each channel's budget is spread in time
    draws: 1000            # posterior draws used (default: all)
    reference: current     # scenario the others are compared with (default: the first)
    by_geo: false          # geo panels: plan cells 'geo/channel' instead of channels
    scenarios:
      - name: current
        allocation: current                    # the spend of the last `horizon` periods
      - name: tv_up
        allocation: {tv: 1.5x, search: 2e5}    # others stay at current spend
      - name: optimized
        optimize: {budget: 1.2e6, bounds: {tv: 0.5x:1.5x}, fixed: [radio], objective: mean}

Every scenario is evaluated on the same horizon, pattern and draws, so the comparison (KPI
uplift over the reference and the probability of beating it) is paired draw by draw. On a geo
panel the allocations name channels, each spread over the geos at its split of the last
``horizon`` periods (:class:`mmm.planning.cells.SplitResponse`); with ``by_geo: true`` they
name cells such as ``north/tv`` instead.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mmm.errors import MmmError
from mmm.model.fit import FittedModel
from mmm.planning.cells import SplitResponse
from mmm.planning.objectives import Objective, channel_index, parse_amount
from mmm.planning.optimizer import optimize
from mmm.planning.plans import Plan, evaluate_plan, geo_plan_summary, plan_summary, stat
from mmm.planning.response import PATTERNS, ResponseModel
from mmm.yaml_io import parse_yaml, read_yaml

#: Most scenarios one file (or one ``/api/compare`` request) may hold.
MAX_SCENARIOS = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OptimizeSpec(_Strict):
    """Settings of an optimizer run (the options of ``mmm optimize``)."""

    budget: float | None = Field(None, gt=0, allow_inf_nan=False)
    bounds: dict[str, str | list[float | str | None]] | str | None = None
    fixed: list[str] | dict[str, float | str] | str | None = None
    objective: str = "mean"


class ScenarioSpec(_Strict):
    """One named plan: a fixed allocation or an optimizer run."""

    name: str = Field(min_length=1)
    allocation: Literal["current"] | dict[str, float | str] | None = None
    optimize: OptimizeSpec | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ScenarioSpec:
        if (self.allocation is None) == (self.optimize is None):
            raise ValueError("give exactly one of 'allocation' or 'optimize'")
        return self


class ScenarioFile(_Strict):
    """The whole scenario YAML."""

    horizon: int | None = Field(None, ge=1)
    pattern: Literal[PATTERNS] = "flat"  # type: ignore[valid-type]
    draws: int | None = Field(None, ge=1)
    reference: str | None = None
    by_geo: bool | None = None
    scenarios: list[ScenarioSpec] = Field(min_length=1)

    @field_validator("scenarios", mode="before")
    @classmethod
    def _at_most(cls, value: Any) -> Any:
        # before the items are validated: a long list (e.g. one YAML alias repeated) is
        # refused at once instead of being validated and compared item by item
        if isinstance(value, list) and len(value) > MAX_SCENARIOS:
            raise PydanticCustomError(
                "too_many_scenarios",
                "at most {limit} scenarios can be compared at once; found {count}",
                {"limit": MAX_SCENARIOS, "count": len(value)},
            )
        return value

    @model_validator(mode="after")
    def _names(self) -> ScenarioFile:
        names = [s.name for s in self.scenarios]
        dupes = sorted(n for n, count in Counter(names).items() if count > 1)
        if dupes:
            raise ValueError(f"scenario names must be unique; repeated: {', '.join(dupes)}")
        if self.reference is not None and self.reference not in names:
            raise ValueError(f"reference '{self.reference}' is not a scenario name")
        return self


def load_scenarios(path: str | Path) -> ScenarioFile:
    """Read and validate a scenario YAML.

    Raises
    ------
    MmmError
        Naming the file and the key for a missing file, bad YAML (one line, with the line and
        column; undecodable bytes included) or an invalid entry.
    """
    raw = read_yaml(path, what="scenario file")
    return validate_scenarios(raw, source=str(path))


def parse_scenarios(text: str, source: str | None = None) -> ScenarioFile:
    """Validate the text of a scenario YAML (what :func:`load_scenarios` reads from a file).

    Parameters
    ----------
    text : str
        The YAML.
    source : str, optional
        Where it came from, for messages.

    Raises
    ------
    MmmError
        Naming the source and the key for bad YAML or an invalid entry.
    """
    return validate_scenarios(parse_yaml(text, source=source), source)


def validate_scenarios(raw: Any, source: str | None = None) -> ScenarioFile:
    """Validate parsed scenario data (a dict as the YAML holds it).

    Raises
    ------
    MmmError
        Naming the source and the first invalid key.
    """
    try:
        return ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"]) or None
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        raise MmmError(message, source=source, key=key) from None


def allocation_spend(
    allocation: str | dict[str, float | str], response: ResponseModel, key: str = "allocation"
) -> np.ndarray:
    """Horizon spend of a fixed allocation: 'current', or amounts / multiples per channel.

    Raises
    ------
    MmmError
        Naming ``<key>.<channel>``, for an unknown channel or an unreadable, non-finite,
        negative or absurd amount (:mod:`mmm.planning.limits`).
    """
    spend = response.current.astype(float).copy()
    if allocation == "current":
        return spend
    for name, value in allocation.items():
        i = channel_index(name, response.channels, f"{key}.{name}")
        spend[i] = parse_amount(str(value), response.current[i], f"{key}.{name}", response.observed)
    return spend


def compare(
    response: ResponseModel,
    spec: ScenarioFile,
    prob: float = 0.9,
    source: str | None = None,
) -> dict[str, Any]:
    """Evaluate every scenario on one response model and compare with the reference.

    Returns
    -------
    dict
        JSON-ready: ``horizon``, ``pattern``, ``draws``, ``interval``, ``reference``,
        ``channels`` and ``scenarios`` (a list; each with ``spend`` and ``contribution`` per
        channel, totals ``total_spend``, ``kpi``, ``roi``, ``uplift`` versus the reference and
        ``p_beats_reference``, ``p_beats`` (scenario name -> posterior probability that this
        plan's KPI beats that one's, paired draw by draw), ``warnings``: the channels the
        plan puts outside the spend range seen in the data, as in
        :func:`mmm.planning.plans.plan_summary`, and for optimizer runs ``plan``: the full
        optimizer summary). A panel adds ``geos``; with the geo split held (channels) also
        ``geo_split`` (:meth:`~mmm.planning.cells.SplitResponse.split_summary`) and per
        scenario ``geo_spend`` (channel -> geo -> amount); planned by geo, ``by_geo: true``,
        the names are cells and an optimizer run's ``plan`` is
        :func:`mmm.planning.plans.geo_plan_summary`.
    """
    by_geo = bool(getattr(response.channels, "by_geo", False))
    summarize = geo_plan_summary if by_geo else plan_summary
    plans: dict[str, Plan] = {}
    details: dict[str, dict] = {}
    for i, scenario in enumerate(spec.scenarios):
        where = f"scenarios.{i}"
        try:
            if scenario.optimize is not None:
                opt = scenario.optimize
                Objective.parse(opt.objective)
                section = "optimize"
                plan = optimize(response, opt.budget, opt.bounds, opt.fixed, opt.objective)
                details[scenario.name] = summarize(plan, prob)
            else:
                section = "allocation"
                spend = allocation_spend(scenario.allocation, response, "allocation")
                plan = evaluate_plan(response, spend)
        except MmmError as exc:
            key = exc.key if (exc.key or "").startswith(section) else f"{section}.{exc.key}"
            raise MmmError(
                f"scenario '{scenario.name}': {exc.message}",
                source=source,
                key=f"{where}.{key}" if exc.key else where,
            ) from None
        plans[scenario.name] = plan
    reference_name = spec.reference or spec.scenarios[0].name
    reference_kpi = plans[reference_name].kpi
    out = []
    for scenario in spec.scenarios:
        plan = plans[scenario.name]
        total = float(plan.spend.sum())
        uplift = plan.kpi - reference_kpi
        entry = {
            "name": scenario.name,
            "kind": "optimize" if scenario.optimize is not None else "allocation",
            "objective": plan.objective,
            "spend": dict(zip(plan.channels, map(float, plan.spend), strict=True)),
            "contribution": {
                c: stat(plan.contribution[:, j], prob) for j, c in enumerate(plan.channels)
            },
            "mroi": {c: stat(plan.marginal[:, j], prob) for j, c in enumerate(plan.channels)},
            "total_spend": total,
            "kpi": stat(plan.kpi, prob),
            "roi": stat(plan.kpi / total, prob) if total > 0 else stat(np.array([]), prob),
            "uplift": stat(uplift, prob),
            "p_beats_reference": float(np.mean(uplift > 0)),
            "p_beats": {o: float(np.mean(plan.kpi > plans[o].kpi)) for o in plans},
            "warnings": [dict(w) for w in plan.warnings],
        }
        if scenario.name in details:
            entry["plan"] = details[scenario.name]
        if isinstance(response, SplitResponse):
            entry["geo_spend"] = response.split_summary(plan.spend)["spend"]
        out.append(entry)
    panel = {}
    if hasattr(response.channels, "geos"):
        panel = {"by_geo": by_geo, "geos": list(response.channels.geos)}
    if isinstance(response, SplitResponse):
        panel["geo_split"] = response.split_summary()
    return {
        "source": source,
        "horizon": response.horizon,
        "pattern": response.pattern_kind,
        "draws": response.n_draws,
        "interval": prob,
        "reference": reference_name,
        "channels": list(response.channels),
        "current_spend": dict(zip(response.channels, map(float, response.current), strict=True)),
        **panel,
        "scenarios": out,
    }


def run_scenarios(
    fitted: FittedModel, path: str | Path, prob: float | None = None, by_geo: bool | None = None
) -> dict:
    """Load a scenario YAML and compare its plans on a fitted model's posterior.

    Parameters
    ----------
    fitted : FittedModel
    path : str or Path
        Scenario YAML (see the module docstring).
    prob : float, optional
        Central interval probability; ``fitted.config.interval`` when omitted.
    by_geo : bool, optional
        Plan a panel's cells (True) or its channels (False); the file's ``by_geo`` when
        omitted.

    Returns
    -------
    dict
        JSON-ready comparison (the content of ``mmm optimize MODEL --scenarios FILE --json``);
        see :func:`compare`.
    """
    spec = load_scenarios(path)
    try:
        by_geo = bool(spec.by_geo) if by_geo is None else by_geo
        response = ResponseModel.from_fitted(
            fitted, spec.horizon, spec.pattern, spec.draws, by_geo=by_geo
        )
    except MmmError as exc:
        raise MmmError(exc.message, source=str(path), key=exc.key) from None
    prob = float(fitted.config.interval if prob is None else prob)
    return compare(response, spec, prob, source=str(path))
