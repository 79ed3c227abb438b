"""The YAML configuration: a pydantic schema that refuses unknown keys, with typo hints.

``load_config(path)`` is the one way in: it reads the YAML, fills each channel from the
``defaults:`` block, validates everything, resolves the data path relative to the YAML file and
turns any problem into one :class:`~mmm.errors.ConfigError` naming the file and the key.
"""

from __future__ import annotations

import difflib
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
from mmm.transforms import ADSTOCKS, SATURATIONS

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
}


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
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prior(_Strict):
    """A prior distribution: ``{dist: Gamma, alpha: 2, beta: 1}`` (PyMC names)."""

    model_config = ConfigDict(extra="allow", frozen=True)
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
        missing = [p for p in required if p not in given]
        if missing:
            raise ValueError(f"{self.dist} needs {', '.join(missing)}")
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


class ChannelConfig(_Strict):
    """One paid media channel; ``name`` is the spend column unless ``column`` says otherwise."""

    name: str
    column: str | None = None
    adstock: AdstockConfig = AdstockConfig()
    saturation: SaturationConfig = SaturationConfig()
    prior: ChannelPrior = DEFAULT_CHANNEL_PRIOR

    @property
    def spend_column(self) -> str:
        """The data column holding this channel's spend."""
        return self.column or self.name


class Defaults(_Strict):
    """Settings every channel inherits unless it states its own."""

    adstock: AdstockConfig | None = None
    saturation: SaturationConfig | None = None
    prior: ChannelPrior | None = None


class DataConfig(_Strict):
    """Where the data is and which columns hold the date and the KPI."""

    path: Path
    date_column: str = "date"
    target_column: str


class SeasonalityConfig(_Strict):
    """Yearly Fourier seasonality."""

    fourier_order: int = Field(2, ge=0, le=20)
    period_days: float = Field(365.25, gt=0)


class ModelPriors(_Strict):
    """Priors of the non-media terms, in scaled units (target divided by its mean)."""

    intercept: Prior = Prior.of("Normal", mu=0.5, sigma=0.5)
    trend: Prior = Prior.of("Normal", mu=0.0, sigma=0.5)
    seasonality: Prior = Prior.of("Normal", mu=0.0, sigma=0.2)
    controls: Prior = Prior.of("Normal", mu=0.0, sigma=0.5)
    sigma: Prior = Prior.of("HalfNormal", sigma=0.3)
    nu: Prior = Prior.of("Gamma", alpha=2.0, beta=0.1)


class SamplerConfig(_Strict):
    """MCMC settings; ``nutpie`` is the default and fastest backend."""

    backend: Literal["nutpie", "pymc", "numpyro"] = "nutpie"
    #: nutpie only: compile the log density with numba (fast sampling) or JAX (fast compile).
    compile_backend: Literal["numba", "jax"] = "numba"
    #: nutpie only: mass-matrix adaptation; 'low_rank' handles correlated parameters best.
    adaptation: Literal["low_rank", "diag"] = "low_rank"
    chains: int = Field(2, ge=1, le=64)
    draws: int = Field(1000, ge=10)
    tune: int = Field(1000, ge=10)
    seed: int = 1
    target_accept: float = Field(0.9, gt=0.5, lt=1.0)


class Config(_Strict):
    """A whole model specification, as written in ``configs/<name>.yaml``."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    data: DataConfig
    channels: list[ChannelConfig] = Field(min_length=1)
    controls: list[str] = []
    trend: Literal["linear", "none"] = "linear"
    seasonality: SeasonalityConfig | None = SeasonalityConfig()
    likelihood: Literal["normal", "student_t"] = "normal"
    transform_order: Literal["adstock_first", "saturation_first"] = "adstock_first"
    priors: ModelPriors = ModelPriors()
    sampler: SamplerConfig = SamplerConfig()
    interval: float = Field(0.9, gt=0.0, lt=1.0)
    defaults: Defaults = Defaults()

    @model_validator(mode="before")
    @classmethod
    def _apply_defaults(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        defaults = raw.get("defaults") or {}
        channels = raw.get("channels")
        if not isinstance(defaults, dict) or not isinstance(channels, list):
            return raw
        filled = []
        for channel in channels:
            if isinstance(channel, dict):
                channel = {k: v for k, v in defaults.items() if k not in channel} | channel
            filled.append(channel)
        return raw | {"channels": filled}

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        names = [c.name for c in self.channels]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"channel names must be unique; repeated: {', '.join(dupes)}")
        clash = set(self.controls) & {c.spend_column for c in self.channels}
        if clash:
            raise ValueError(f"column(s) used both as channel and control: {sorted(clash)}")
        return self

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
    if not path.is_file():
        raise ConfigError("config file not found", source=str(path))
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"not valid YAML{where}: {exc}", source=str(path)) from None
    if not isinstance(raw, dict):
        raise ConfigError("expected a mapping of settings at the top level", source=str(path))
    config = parse_config(raw, source=str(path))
    data_path = config.data.path
    if not data_path.is_absolute():
        data_path = (path.parent / data_path).resolve()
    return config.model_copy(update={"data": config.data.model_copy(update={"path": data_path})})


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
        RoiPrior, Defaults, SeasonalityConfig, ModelPriors, SamplerConfig,
    ]  # fmt: skip
    return {name for model in models for name in model.model_fields}


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith("function-") and "[" not in str(part):
            out += f".{part}" if out else str(part)
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
