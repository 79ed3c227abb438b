"""The ``events:`` and ``holidays:`` blocks of the configuration (see :mod:`mmm.model.events`).

:class:`EventConfig` is one named date or date range; :class:`HolidaysConfig` picks a country's
public holidays from the ``holidays`` package, checked when the config is read.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mmm.model.holiday_calendar import holiday_calendar

#: The settings of every config block (:mod:`mmm.model.config`): unknown keys refused, frozen.
STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


#: Names of the decomposition's own terms, which no event may take.
RESERVED_TERMS = ("baseline", "trend", "seasonality")


class EventConfig(BaseModel):
    """A named event on one ``date`` or from ``start`` to ``end`` (both included).

    The event enters the model as a regressor that is 1 in every period overlapping its dates
    and 0 elsewhere; ``window_before`` / ``window_after`` widen it by that many periods (a
    pre-Christmas run-up, a launch's tail). A period is the ``period_days`` that start on its
    date (weekly data dated by the week's first day).
    """

    model_config = STRICT

    name: str = Field(min_length=1)
    date: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    window_before: int = Field(0, ge=0)
    window_after: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _one_span(self) -> EventConfig:
        if self.name != self.name.strip():
            raise ValueError(f"name {self.name!r} must not start or end with spaces")
        if self.date is not None and (self.start is not None or self.end is not None):
            raise ValueError("give either 'date' or 'start' and 'end', not both")
        if self.date is None and (self.start is None or self.end is None):
            raise ValueError("give the event's 'date', or both 'start' and 'end'")
        if self.date is None and self.end < self.start:
            raise ValueError(f"'end' ({self.end}) is before 'start' ({self.start})")
        return self

    @property
    def first(self) -> dt.date:
        """The event's first day."""
        return self.date or self.start

    @property
    def last(self) -> dt.date:
        """The event's last day."""
        return self.date or self.end


class HolidaysConfig(BaseModel):
    """Public holidays of a country (and subdivision) from the ``holidays`` package.

    Each holiday the data covers becomes a regressor, as an :class:`EventConfig` would (see
    :mod:`mmm.model.events`): one per holiday name, its observed day counted with it.
    ``include`` keeps only the holidays named; ``categories`` picks the package's categories
    (``public`` by default; e.g. ``[public, unofficial]`` adds Valentine's Day and Halloween in
    the US). The windows widen every holiday by that many periods.
    """

    model_config = STRICT

    country: str = Field(min_length=1)
    subdivision: str | None = None
    categories: list[str] | None = Field(None, min_length=1)
    include: list[str] | None = Field(None, min_length=1)
    window_before: int = Field(0, ge=0)
    window_after: int = Field(0, ge=0)

    @model_validator(mode="after")
    def _known(self) -> HolidaysConfig:
        holiday_calendar(self.country, self.subdivision, self.categories)  # raises ValueError
        if self.include is not None:
            dupes = sorted({n for n in self.include if self.include.count(n) > 1})
            if dupes:
                raise ValueError(f"'include' names {', '.join(dupes)} more than once")
        return self
