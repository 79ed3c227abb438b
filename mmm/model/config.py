"""The YAML configuration: a pydantic schema that refuses unknown keys, with typo hints.

``load_config(path)`` is the one way in: it reads the YAML, fills each channel from the
``defaults:`` block, validates everything, resolves the data path relative to the YAML file and
turns any problem into one :class:`~mmm.errors.ConfigError` naming the file and the key.
"""

from __future__ import annotations

import difflib
import json
import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from mmm.errors import ConfigError
from mmm.model.event_config import RESERVED_TERMS, EventConfig, HolidaysConfig
from mmm.model.transforms import ADSTOCKS, SATURATIONS
from mmm.yaml_io import read_yaml

#: Required and optional parameters of each supported prior distribution (PyMC names).
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Normal": (("mu", "sigma"), ()),
    "HalfNormal": (("sigma",), ()),
    "LogNormal": (("mu", "sigma"), ()),
    "Gamma": (("alpha", "beta"), ()),
    "Beta": (("alpha", "beta"), ()),
    "Exponential": (("lam",), ()),
    "TruncatedNormal": (("mu", "sigma"), ("lower", "upper")),
    "StudentT": (("nu", "mu", "sigma"), ()),
    "HalfStudentT": (("nu", "sigma"), ()),
    "Laplace": (("mu", "b"), ()),
}
#: Prior parameters that are scales or shapes and so must be positive.
POSITIVE_PARAMS = frozenset({"sigma", "alpha", "beta", "lam", "nu", "b"})


def _hint(word: str, choices: Any) -> str:
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _unknown(what: str, value: str, choices: Any) -> str:
    return f"unknown {what} '{value}'{_hint(value, choices)} (choose from {', '.join(choices)})"


def _check_prior_keys(priors: dict[str, Prior], params: tuple[str, ...], owner: str) -> None:
    for key in priors:
        if key not in params:
            raise ValueError(
                f"{owner} has no parameter '{key}'{_hint(key, params)}; it has {', '.join(params)}"
            )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Prior(_Strict):
    """A prior distribution: ``{dist: Gamma, alpha: 2, beta: 1}`` (PyMC names)."""

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)
    dist: str

    @model_validator(mode="after")
    def _check_params(self) -> Prior:
        if self.dist not in DISTRIBUTIONS:
            raise ValueError(_unknown("distribution", self.dist, DISTRIBUTIONS))
        required, optional = DISTRIBUTIONS[self.dist]
        allowed = required + optional
        given = self.model_extra or {}
        for key, value in given.items():
            if key not in allowed:
                raise ValueError(
                    f"{self.dist} has no parameter '{key}'{_hint(key, allowed)}; "
                    f"it takes {', '.join(allowed)}"
                )
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"parameter '{key}' must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"parameter '{key}' must be a finite number, got {value!r}")
            if key in POSITIVE_PARAMS and not value > 0:
                raise ValueError(f"parameter '{key}' must be positive, got {value!r}")
        missing = [p for p in required if p not in given]
        if missing:
            raise ValueError(f"{self.dist} needs {', '.join(missing)}")
        if given.get("lower", -math.inf) >= given.get("upper", math.inf):
            raise ValueError(f"'lower' ({given['lower']}) must be below 'upper' ({given['upper']})")
        return self

    @property
    def params(self) -> dict[str, float]:
        """The distribution's keyword arguments."""
        return {k: float(v) for k, v in (self.model_extra or {}).items()}

    @classmethod
    def of(cls, dist: str, **params: float) -> Prior:
        """Build a prior in code, e.g. ``Prior.of("Beta", alpha=2, beta=2)``."""
        return cls(dist=dist, **params)


#: Share of the KPI that an 'auto' ROI prior assumes paid media drives (see docs/model.md).
AUTO_ROI_MEDIA_SHARE = 0.25


class RoiPrior(_Strict):
    """LogNormal prior on a channel's ROI, stated by its median and log-scale sigma.

    ``median: auto`` (the default) sets the median ROI of every such channel to
    ``AUTO_ROI_MEDIA_SHARE * total KPI / total spend of all channels``: the ROI each channel
    would have if paid media drove a quarter of the KPI evenly per unit of spend. With the
    default ``sigma: 1`` the prior's 90% interval spans a factor of about 27.
    """

    median: float | Literal["auto"] = "auto"
    sigma: float = Field(1.0, gt=0)

    @field_validator("median")
    @classmethod
    def _positive(cls, value: float | str) -> float | str:
        if value != "auto" and not value > 0:
            raise ValueError("median must be positive (or 'auto')")
        return value


class ChannelPrior(_Strict):
    """The prior on a channel's effect: on its ROI, or on its coefficient ``beta``."""

    roi: RoiPrior | None = None
    beta: Prior | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ChannelPrior:
        if (self.roi is None) == (self.beta is None):
            raise ValueError("give exactly one of 'roi' or 'beta'")
        return self


class AdstockConfig(_Strict):
    """Carry-over of spend into later periods."""

    type: str = "geometric"
    max_lag: int = Field(8, ge=1, le=104)
    priors: dict[str, Prior] = {}

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ADSTOCKS:
            raise ValueError(_unknown("adstock type", value, ADSTOCKS))
        return value

    @model_validator(mode="after")
    def _known_params(self) -> AdstockConfig:
        _check_prior_keys(self.priors, ADSTOCKS[self.type].params, self.type)
        return self


class SaturationConfig(_Strict):
    """Diminishing returns of spend."""

    type: str = "logistic"
    priors: dict[str, Prior] = {}

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in SATURATIONS:
            raise ValueError(_unknown("saturation type", value, SATURATIONS))
        return value

    @model_validator(mode="after")
    def _known_params(self) -> SaturationConfig:
        _check_prior_keys(self.priors, SATURATIONS[self.type].params, self.type)
        return self


DEFAULT_CHANNEL_PRIOR = ChannelPrior(roi=RoiPrior())

#: How a channel's effect is shared across geos in a panel model (see docs/model.md):
#: ``partial`` pools geo effects toward the channel's mean (hierarchical), ``full`` fits one
#: effect for every geo, ``none`` fits each geo on its own.
Pooling = Literal["partial", "full", "none"]


class ChannelConfig(_Strict):
    """One paid media channel; ``name`` is the spend column unless ``column`` says otherwise.

    In a panel (``data.geo_column`` set), ``level: national`` declares a channel bought
    nationally (the same value in every geo of a period; it is split across geos), and
    ``pooling`` says how its effect is shared across geos. Both are ignored for national data.
    """

    name: str
    column: str | None = None
    adstock: AdstockConfig = AdstockConfig()
    saturation: SaturationConfig = SaturationConfig()
    prior: ChannelPrior = DEFAULT_CHANNEL_PRIOR
    level: Literal["auto", "geo", "national"] = "auto"
    pooling: Pooling = "partial"

    @property
    def spend_column(self) -> str:
        """The data column holding this channel's spend."""
        return self.column or self.name


class Defaults(_Strict):
    """Settings every channel inherits unless it states its own."""

    adstock: AdstockConfig | None = None
    saturation: SaturationConfig | None = None
    prior: ChannelPrior | None = None
    pooling: Pooling | None = None


class DataConfig(_Strict):
    """Where the data is and which columns hold the date and the KPI.

    With ``geo_column`` the table is a panel in long format, one row per geo and period;
    ``population_column`` (optional, constant within a geo) splits national channels.
    """

    path: Path
    date_column: str = "date"
    target_column: str
    geo_column: str | None = None
    population_column: str | None = None

    @model_validator(mode="after")
    def _population_needs_geo(self) -> DataConfig:
        if self.population_column is not None and self.geo_column is None:
            raise ValueError("'population_column' needs 'geo_column' (it describes geos)")
        return self


class SeasonalityConfig(_Strict):
    """Yearly Fourier seasonality."""

    fourier_order: int = Field(2, ge=0, le=20)
    period_days: float = Field(365.25, gt=0)


class PiecewiseTrend(_Strict):
    """A piecewise-linear trend: a slope that changes at evenly spaced changepoints.

    The changepoints sit in the first 90% of the fitted period; the slope changes share the
    sparse prior ``priors.trend_changes`` (Laplace), so most of them stay near zero.
    """

    type: Literal["piecewise"]
    changepoints: int = Field(10, ge=1, le=100)


class GpTrend(_Strict):
    """A smooth time-varying level: a Gaussian process (squared-exponential kernel) in PyMC's
    Hilbert-space approximation (HSGP), with ``basis_functions`` basis functions.

    ``lengthscale_weeks`` is the time over which the level typically moves by ``amplitude``
    (the GP's standard deviation, in units of the mean KPI). Both are fixed, not learned (see
    docs/model.md, Flexible baselines).
    """

    type: Literal["gp"]
    lengthscale_weeks: float = Field(52.0, gt=0)
    amplitude: float = Field(0.2, gt=0)
    basis_functions: int = Field(20, ge=4, le=200)


class ModelPriors(_Strict):
    """Priors of the non-media terms, in scaled units (target divided by its mean)."""

    #: Mean of the expected KPI over the fitted period (the KPI's own mean is 1 in model units).
    level: Prior = Prior.of("Normal", mu=1.0, sigma=0.25)
    trend: Prior = Prior.of("Normal", mu=0.0, sigma=0.5)
    #: ``trend: {type: piecewise}``: the slope's changes at the changepoints.
    trend_changes: Prior = Prior.of("Laplace", mu=0.0, b=0.2)
    seasonality: Prior = Prior.of("Normal", mu=0.0, sigma=0.2)
    controls: Prior = Prior.of("Normal", mu=0.0, sigma=0.5)
    sigma: Prior = Prior.of("HalfNormal", sigma=0.3)
    nu: Prior = Prior.of("Gamma", alpha=2.0, beta=0.1)
    #: Panels only: spread of the geos' trends around the shared one, and of the geos' log
    #: media effects around the channel's (``tau`` of the hierarchy).
    geo_trend_sd: Prior = Prior.of("HalfNormal", sigma=0.2)
    #: Panels with ``panel: {seasonality: per_geo}`` / ``{controls: per_geo}``: spread of the
    #: geos' seasonality / control coefficients around the shared ones.
    geo_seasonality_sd: Prior = Prior.of("HalfNormal", sigma=0.1)
    geo_control_sd: Prior = Prior.of("HalfNormal", sigma=0.2)
    geo_effect_sd: Prior = Prior.of("HalfNormal", sigma=0.5)


class PanelConfig(_Strict):
    """What geos of a panel share: seasonality and control effects (ignored for national data).

    ``per_geo`` gives each geo its own coefficients, pooled around shared ones (centred: each
    geo's own series identifies them).
    """

    seasonality: Literal["shared", "per_geo"] = "shared"
    controls: Literal["shared", "per_geo"] = "shared"
    #: how the geo ROIs are sampled: 'adaptive' centres each geo x channel cell as far as its
    #: data pin it down, measured by a short pilot run (nutpie only); 'non_centred' skips the
    #: pilot (see docs/model.md, Panels)
    geo_effect_form: Literal["adaptive", "non_centred"] = "adaptive"


#: Default ``sampler.target_accept`` for national data and for geo panels.
NATIONAL_TARGET_ACCEPT = 0.9
PANEL_TARGET_ACCEPT = 0.95
#: Default ``sampler.draws`` (kept draws per chain) for national data and for geo panels.
NATIONAL_DRAWS = 1000
PANEL_DRAWS = 2000
#: From this many free parameters (a large panel), ``sampler.adaptation: auto`` takes nutpie's
#: diagonal mass matrix instead of the low-rank one and ``sampler.start: auto`` starts the
#: chains near the posterior mode (docs/model.md, "Panels").
LARGE_MODEL_PARAMETERS = 1000


class SamplerConfig(_Strict):
    """MCMC settings; ``nutpie`` is the default and fastest backend."""

    backend: Literal["nutpie", "pymc", "numpyro"] = "nutpie"
    #: nutpie only: 'numba' runs PyTensor's disk-cached numba code (a model structure seen
    #: before loads in seconds, a new one compiles for tens of seconds); 'numba_cfunc' is
    #: nutpie's own C callback (20-30 s compile in every process; 'numba' caches its own);
    #: 'jax' compiles in about a second and samples about 3x slower on CPU; 'auto'
    #: takes numba when the compile cache holds the model structure or the model is a geo panel,
    #: jax otherwise (:func:`mmm.model.nuts.choose_compile_backend`).
    compile_backend: Literal["auto", "numba", "numba_cfunc", "jax"] = "auto"
    #: nutpie only: mass-matrix adaptation. 'low_rank' handles correlated parameters best;
    #: 'diag' is far cheaper to adapt for a large panel; 'auto' takes low_rank below
    #: :data:`LARGE_MODEL_PARAMETERS` free parameters and diag from there.
    adaptation: Literal["auto", "low_rank", "diag"] = "auto"
    chains: int = Field(2, ge=1, le=64)
    #: Kept draws per chain. A config that leaves it unset gets :data:`NATIONAL_DRAWS`, or
    #: :data:`PANEL_DRAWS` for a geo panel.
    draws: int = Field(NATIONAL_DRAWS, ge=10)
    tune: int = Field(1000, ge=10)
    seed: int = 1
    #: Target acceptance rate of the step-size adaptation. A config that leaves it unset gets
    #: :data:`NATIONAL_TARGET_ACCEPT`, or :data:`PANEL_TARGET_ACCEPT` for a geo panel.
    target_accept: float = Field(NATIONAL_TARGET_ACCEPT, gt=0.5, lt=1.0)
    #: nutpie with compile_backend 'numba' only: where the chains start. 'mode': near the
    #: posterior mode, found by L-BFGS on the compiled model (:mod:`mmm.model.start`);
    #: 'jitter': PyMC's jittered initial point (what the other backends always use); 'auto':
    #: mode from :data:`LARGE_MODEL_PARAMETERS` free parameters, jitter below.
    start: Literal["auto", "mode", "jitter"] = "auto"
    #: sample each chain as its own Dask task (for big panels on a cluster; see
    #: docs/validation.md): the chains then run on different machines
    distribute_chains: bool = False


class MtaPrior(_Strict):
    """Attribution shares as a weak Dirichlet prior on relative contributions.

    The channels named in ``shares`` get the extra log density
    ``sum_m weight * share_m * log(s_m)``, where ``s_m`` is channel m's share of the covered
    channels' total contribution: a Dirichlet(1 + weight * share) prior. ``weight`` is the
    number of pseudo-observations the shares count for (10 is weak, 100 strong).
    """

    shares: dict[str, float] = Field(min_length=2)
    weight: float = Field(10.0, gt=0)

    @field_validator("shares")
    @classmethod
    def _normalized(cls, shares: dict[str, float]) -> dict[str, float]:
        if any(not v > 0 for v in shares.values()):
            raise ValueError("every MTA share must be positive")
        total = sum(shares.values())
        return {k: v / total for k, v in shares.items()}


class CalibrationConfig(_Strict):
    """Experiments and beliefs that calibrate the model (see docs/calibration.md)."""

    #: CSV of lift-test records: channel,start,end,x,delta_x,delta_y,sigma (relative to the YAML).
    lift_tests: Path | None = None
    #: Per-channel ROI priors (e.g. from past experiments); they replace the channel's prior.
    roi_priors: dict[str, RoiPrior] = {}
    mta: MtaPrior | None = None


class ValidationConfig(_Strict):
    """Out-of-sample checks run by ``mmm fit`` (see docs/validation.md)."""

    #: fit on all but the last ``holdout_periods`` periods and predict those (0: no holdout)
    holdout_periods: int = Field(0, ge=0)


class Config(_Strict):
    """A whole model specification, as written in ``configs/<name>.yaml``."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    data: DataConfig
    channels: list[ChannelConfig] = Field(min_length=1)
    controls: list[str] = []
    events: list[EventConfig] = []
    holidays: HolidaysConfig | None = None
    trend: Literal["linear", "none"] | PiecewiseTrend | GpTrend = "linear"
    seasonality: SeasonalityConfig | None = SeasonalityConfig()
    likelihood: Literal["normal", "student_t"] = "normal"
    transform_order: Literal["adstock_first", "saturation_first"] = "adstock_first"
    priors: ModelPriors = ModelPriors()
    panel: PanelConfig = PanelConfig()
    sampler: SamplerConfig = SamplerConfig()
    interval: float = Field(0.9, gt=0.0, lt=1.0)
    calibration: CalibrationConfig = CalibrationConfig()
    defaults: Defaults = Defaults()
    validation: ValidationConfig = ValidationConfig()

    @model_validator(mode="before")
    @classmethod
    def _default_sampler_settings(cls, raw: Any) -> Any:
        """An unset ``sampler.target_accept`` becomes 0.9, or 0.95 for a geo panel; an unset
        ``sampler.draws`` 1000, or 2000 for a geo panel.

        The panel's pooled geo effects mix best with the smaller steps: at 40 geos x 156
        weeks x 5 channels, 2 x (1000 + 1000), 0.95 took 31 steps per draw against 19.5 and
        10% more sampling time, and raised the smallest bulk ESS (the geo-effect spread's)
        from 356 to 400 and the median ESS from 2373 to 3692 (docs/model.md, "Panels").

        A panel has hundreds of quantities (747 at 40 x 5), and the largest R-hat over that
        many from 2 x 1,000 NUTS draws lands near 1.01 even on independent normals; 2 x 2,000
        draws (PyMC's default total, 4 x 1,000) halve the excess for about a quarter more
        sampling time (docs/model.md, "Panels").
        """
        if not isinstance(raw, dict):
            return raw
        sampler, data = raw.get("sampler") or {}, raw.get("data") or {}
        if not isinstance(sampler, dict):
            return raw
        panel = isinstance(data, dict) and data.get("geo_column") is not None
        defaults = {
            "target_accept": PANEL_TARGET_ACCEPT if panel else NATIONAL_TARGET_ACCEPT,
            "draws": PANEL_DRAWS if panel else NATIONAL_DRAWS,
        }
        unset = {key: value for key, value in defaults.items() if sampler.get(key) is None}
        return raw | {"sampler": sampler | unset}

    @model_validator(mode="before")
    @classmethod
    def _fill_channels(cls, raw: Any) -> Any:
        """Channels inherit ``defaults:``; calibration ROI priors replace their prior."""
        if not isinstance(raw, dict) or not isinstance(raw.get("channels"), list):
            return raw
        defaults = raw.get("defaults") or {}
        calibration = raw.get("calibration") or {}
        roi_priors = calibration.get("roi_priors") if isinstance(calibration, dict) else None
        filled = []
        for channel in raw["channels"]:
            if isinstance(channel, dict):
                if isinstance(defaults, dict):
                    inherited = {k: v for k, v in defaults.items() if k in Defaults.model_fields}
                    channel = {k: v for k, v in inherited.items() if k not in channel} | channel
                name = channel.get("name")
                if isinstance(roi_priors, dict) and isinstance(name, str) and name in roi_priors:
                    channel = channel | {"prior": {"roi": roi_priors[channel["name"]]}}
            filled.append(channel)
        return raw | {"channels": filled}

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        names = [c.name for c in self.channels]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(
                f"'channels': channel names must be unique; repeated: {', '.join(dupes)}"
            )
        roles = {self.data.date_column: "the date"}
        uses = [
            ("data.target_column", self.data.target_column, "the target"),
            *((f"data.{key}", column, f"the {key.removesuffix('_column')}")
              for key in ("geo_column", "population_column")
              if (column := getattr(self.data, key)) is not None),
            *((f"channels[{i}]", c.spend_column, f"channel '{c.name}'")
              for i, c in enumerate(self.channels)),
            *((f"controls[{i}]", column, "a control") for i, column in enumerate(self.controls)),
        ]  # fmt: skip
        for key, column, role in uses:
            if column in roles:
                raise ValueError(
                    f"'{key}': column '{column}' is used both as {roles[column]} and as {role}"
                )
            roles[column] = role
        named = [
            *self.calibration.roi_priors,
            *(self.calibration.mta.shares if self.calibration.mta else {}),
        ]
        for channel in named:
            if channel not in names:
                raise ValueError(
                    f"'calibration': names channel '{channel}'{_hint(channel, names)}, "
                    f"which is not among the channels ({', '.join(names)})"
                )
        return self

    @model_validator(mode="after")
    def _event_names(self) -> Config:
        taken = {
            **dict.fromkeys(RESERVED_TERMS, "a term of the decomposition"),
            **{c.name: f"channel '{c.name}'" for c in self.channels},
            **{c: f"control '{c}'" for c in self.controls},
        }
        for i, event in enumerate(self.events):
            if event.name in taken:
                raise ValueError(
                    f"'events[{i}].name': '{event.name}' is already the name of "
                    f"{taken[event.name]}; give the event another name"
                )
            taken[event.name] = "an earlier event"
        return self

    @property
    def event_names(self) -> list[str]:
        """The ``events:`` names in order (holidays are named once the data's dates are known)."""
        return [e.name for e in self.events]

    @property
    def is_panel(self) -> bool:
        """Whether the data is a geo panel (``data.geo_column`` set)."""
        return self.data.geo_column is not None

    @property
    def channel_names(self) -> list[str]:
        """Channel names in model order."""
        return [c.name for c in self.channels]

    def to_yaml(self) -> str:
        """The resolved configuration (defaults applied) as YAML."""
        data = self.model_dump(mode="json", exclude={"defaults"}, exclude_none=True)
        return yaml.safe_dump(data, sort_keys=False)


def load_config(path: str | Path) -> Config:
    """Read and validate a YAML model configuration.

    Parameters
    ----------
    path : str or Path
        The YAML file. ``data.path`` inside it is relative to the file's folder.

    Returns
    -------
    Config
        The validated configuration with ``data.path`` made absolute.

    Raises
    ------
    ConfigError
        If the file is missing, is not valid YAML, or fails validation.
    """
    path = Path(path)
    raw = read_yaml(path, ConfigError, what="config file")
    if not isinstance(raw, dict):
        raise ConfigError("expected a mapping of settings at the top level", source=str(path))
    config = parse_config(raw, source=str(path))
    updates = {"data": config.data.model_copy(update={"path": _beside(path, config.data.path)})}
    lift_tests = config.calibration.lift_tests
    if lift_tests is not None:
        updates["calibration"] = config.calibration.model_copy(
            update={"lift_tests": _beside(path, lift_tests)}
        )
    return config.model_copy(update=updates)


def _beside(config_path: Path, path: Path) -> Path:
    """A path from the config, made absolute relative to the config file's folder."""
    return path if path.is_absolute() else (config_path.parent / path).resolve()


def parse_config(raw: dict[str, Any], source: str = "<config>") -> Config:
    """Validate an already-parsed mapping; errors name ``source`` and the key."""
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.errors()[0]), source=source) from None


# --------------------------------------------------------------------------------------------
# Error wording
# --------------------------------------------------------------------------------------------
def _all_field_names() -> set[str]:
    models = [
        Config, DataConfig, ChannelConfig, AdstockConfig, SaturationConfig, ChannelPrior,
        RoiPrior, Defaults, SeasonalityConfig, ModelPriors, SamplerConfig, CalibrationConfig,
        MtaPrior, PanelConfig, EventConfig, HolidaysConfig,
    ]  # fmt: skip
    return {name for model in models for name in model.model_fields}


def _key_text(part: Any) -> str:
    """A key as a message shows it: as written, or JSON-quoted when empty or with whitespace."""
    text = str(part)
    return text if text and text.isprintable() and text == text.strip() else json.dumps(text)


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith("function-") and "[" not in str(part):
            out += f".{_key_text(part)}" if out else _key_text(part)
    return out


def _describe(error: dict[str, Any]) -> str:
    loc = _location(tuple(error.get("loc", ())))
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        key = loc.rsplit(".", 1)[-1]
        return f"unknown key '{loc}'{_hint(key, _all_field_names())}"
    if kind == "missing":
        return f"missing required key '{loc}'"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        got = error.get("input")
        return f"'{loc}': unknown value '{got}'{_hint(got, choices)} (choose from {expected})"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"'{loc}': {message}" if loc else message
