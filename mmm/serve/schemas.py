"""Request bodies of the planner API (pydantic; unknown keys and non-numbers refused).

Amounts must be JSON numbers: a string such as ``"1e5"`` or ``"abc"`` is refused here, with the
field named; the planning library then refuses negative, non-finite or absurd amounts
(:mod:`mmm.planning.limits`) with the same field names.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: A spend amount as a JSON number (strict: no strings).
Amount = Annotated[float, Field(strict=True, allow_inf_nan=False)]
#: One side of a bound: a number, a multiple of current spend such as ``"1.5x"``, or none.
BoundSide = Annotated[float, Field(strict=True, allow_inf_nan=False)] | str | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanSettings(_Strict):
    """Which model, horizon, flighting pattern and draws (as the options of ``mmm optimize``)."""

    model: str | None = None
    horizon: int | None = Field(None, ge=1, strict=True)
    pattern: Literal["flat", "history"] = "flat"
    draws: int | None = Field(None, ge=1, strict=True)
    interval: float | None = Field(None, gt=0.0, lt=1.0, strict=True)


class EvaluateRequest(PlanSettings):
    """A fixed allocation: horizon spend per channel (channels left out stay at current)."""

    allocation: dict[str, Amount] = Field(default_factory=dict)


class CurvesRequest(EvaluateRequest):
    """Response curves; the grid reaches past the allocation's amounts."""

    points: int = Field(41, ge=5, le=201, strict=True)


class OptimizeRequest(PlanSettings):
    """An optimizer run: the options of ``mmm optimize`` with the same defaults."""

    budget: Amount | None = None
    bounds: dict[str, list[BoundSide] | str] | str | None = None
    fixed: list[str] | dict[str, Amount | str] | str | None = None
    objective: str = "mean"


class CompareRequest(_Strict):
    """Scenarios to compare: the content of a scenario YAML, plus the model and interval.

    ``horizon``, ``pattern``, ``draws``, ``reference`` and ``scenarios`` are validated exactly
    as ``mmm optimize --scenarios`` validates the file.
    """

    model: str | None = None
    interval: float | None = Field(None, gt=0.0, lt=1.0, strict=True)
    horizon: Any = None
    pattern: Any = "flat"
    draws: Any = None
    reference: Any = None
    scenarios: Any = None

    def scenario_file(self) -> dict[str, Any]:
        """The fields of the scenario YAML (without the model and interval)."""
        fields = ("horizon", "pattern", "draws", "reference", "scenarios")
        data = {k: getattr(self, k) for k in fields}
        return {k: v for k, v in data.items() if v is not None}


class ImportRequest(_Strict):
    """The text of a scenario YAML to read back into the page."""

    text: str = Field(max_length=1_000_000)
