"""Public-holiday calendars from the ``holidays`` package, with clear errors for bad names.

mmm writes no calendar of its own: :func:`holiday_calendar` asks the ``holidays`` package for a
country's (and optionally a subdivision's) holidays and turns its ``NotImplementedError`` /
``ValueError`` for an unknown country, subdivision or category into one ``ValueError`` with a
"did you mean" hint. :func:`holiday_dates` lists each holiday's dates under one name per holiday.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

#: The ``holidays`` labels (on a calendar instance) that wrap a holiday's name, e.g.
#: ``"%s (observed)"``; longest first so ``"%s (observed, estimated)"`` is tried before the others.
NAME_LABELS = ("observed_estimated_label", "observed_label", "estimated_label")


def _hint(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def holiday_calendar(
    country: str,
    subdivision: str | None = None,
    categories: Sequence[str] | None = None,
    years: Iterable[int] | None = None,
) -> Any:
    """The ``holidays`` calendar of a country, checked for a known country, subdivision, category.

    Parameters
    ----------
    country : str
        An ISO 3166 code the ``holidays`` package supports (``US``, ``GB``, ``DE``...).
    subdivision : str, optional
        A state, province or region code of that country (``CA``, ``BY``...), or an alias the
        package knows (``California``).
    categories : sequence of str, optional
        Holiday categories (``public``, ``unofficial``...); the package's default (public
        holidays) when omitted.
    years : iterable of int, optional
        The years to fill in; more are added on lookup.

    Returns
    -------
    holidays.HolidayBase

    Raises
    ------
    ValueError
        Naming what is unknown, with the closest known name and the choices where they are few.
    """
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(
            f"unknown holidays country '{country}'{_hint(country, supported)} (use an ISO 3166 "
            "code that the holidays package supports, e.g. US, GB, DE, FR)"
        )
    options: dict[str, Any] = {"subdiv": subdivision, "years": years}
    if categories is not None:
        known = holidays.country_holidays(country).supported_categories
        for category in categories:
            if category not in known:
                raise ValueError(
                    f"unknown holiday category '{category}' for {country}"
                    f"{_hint(category, known)} (choose from {', '.join(sorted(known))})"
                )
        options["categories"] = tuple(categories)
    try:
        return holidays.country_holidays(country, **options)
    except (NotImplementedError, ValueError):  # the country is known, so the subdivision is not
        codes = supported[country]
        if not codes:
            raise ValueError(
                f"country '{country}' has no subdivisions in the holidays package; "
                "leave out 'subdivision'"
            ) from None
        aliases = getattr(holidays.country_holidays(country), "subdivisions_aliases", {})
        raise ValueError(
            f"unknown subdivision '{subdivision}' of {country}"
            f"{_hint(str(subdivision), [*codes, *aliases])} (choose from {', '.join(codes)})"
        ) from None


def base_name(name: str, calendar: Any) -> str:
    """A holiday's name without the calendar's "(observed)" / "(estimated)" label."""
    for attribute in NAME_LABELS:
        label = getattr(calendar, attribute, None)
        if not isinstance(label, str) or label.count("%s") != 1:
            continue
        prefix, suffix = label.split("%s")
        match = re.fullmatch(f"{re.escape(prefix)}(.+){re.escape(suffix)}", name)
        if match:
            return match.group(1)
    return name


def holiday_dates(calendar: Any, first: date, last: date) -> dict[str, list[date]]:
    """Every holiday of ``calendar`` between ``first`` and ``last`` (both included), by name.

    A day holding two holidays counts for each. An observed or estimated day (a holiday moved
    off a weekend, an Islamic holiday whose date is estimated) counts under the holiday's own
    name, so ``Independence Day (observed)`` is a date of ``Independence Day``.

    Parameters
    ----------
    calendar : holidays.HolidayBase
        From :func:`holiday_calendar`.
    first, last : datetime.date

    Returns
    -------
    dict of str -> list of datetime.date
        Names in order of their first date; dates sorted.
    """
    for year in range(first.year, last.year + 1):
        _ = date(year, 1, 1) in calendar  # a lookup fills its whole year in (``expand``)
    out: dict[str, list[date]] = {}
    for day in sorted(d for d in calendar if first <= d <= last):
        for name in calendar.get_list(day):
            out.setdefault(base_name(name, calendar), []).append(day)
    return out
