"""Report options as users type them (CLI flags, URL query parameters), checked in one place.

The CLI and the website parse "2015-2017", "N00938,N11102", "T", "quartile4" and a measure-set
name with these functions, so both accept and reject exactly the same input. The website passes
`allow_files=False`: a measure-set name from a URL must never open a file on the server.
"""

from __future__ import annotations

from typing import cast

from jamfor.errors import JamforError, NotFoundError
from jamfor.measuresets import MeasureSet, bundled_measure_sets, find_measure_set
from jamfor.model import GENDERS
from jamfor.reports.model import ColourScheme

COLOUR_SCHEMES: tuple[ColourScheme, ...] = ("quartile", "quartile4", "reference")
MAX_KPIS = 100


def check_choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise JamforError(f"{option} {value!r}: use one of {', '.join(allowed)}")
    return value


def parse_years(text: str | None, option: str = "--years") -> list[int] | None:
    """'2015-2017', '2015,2017' or '2017' as a sorted list of years; None for nothing given."""
    if text is None or not text.strip():
        return None
    years: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                first, last = (int(p) for p in part.split("-", 1))
                if last < first or last - first > 50:
                    raise ValueError
                years.extend(range(first, last + 1))
            else:
                years.append(int(part))
        except ValueError:
            raise JamforError(f"{option} {text!r}: write years like 2015-2017 or 2015,2016,2017") from None
    if any(not 1000 <= year <= 9999 for year in years):  # four digits; a huge one broke the JSON API
        raise JamforError(f"{option} {text!r}: a year has four digits, like 2017")
    return sorted(set(years))


def check_gender(value: str, option: str = "--gender") -> str:
    return check_choice(option, value, GENDERS)


def check_colour(value: str, option: str = "--colour") -> ColourScheme:
    return cast(ColourScheme, check_choice(option, value, COLOUR_SCHEMES))


def parse_kpi_list(text: str) -> list[str]:
    """'n00938, N11102' as ['N00938', 'N11102'] (order kept, duplicates dropped)."""
    ids = list(dict.fromkeys(k.strip().upper() for k in text.split(",") if k.strip()))
    if len(ids) > MAX_KPIS:
        raise JamforError(f"{len(ids)} KPIs asked for: at most {MAX_KPIS} in one report")
    return ids


def measures_from(
    set_name: str | None,
    kpi: str | None,
    *,
    allow_files: bool = True,
    set_option: str = "--set",
    kpi_option: str = "--kpi",
) -> tuple[MeasureSet | None, list[str] | None]:
    """A measure set or a KPI list, from the two alternative options."""
    if set_name and kpi:
        raise JamforError(f"give either {set_option} or {kpi_option}, not both")
    if not set_name and not kpi:
        raise JamforError(
            f"give a measure set ({set_option} kkik-2015-2017) or KPIs ({kpi_option} N00938,N11102)"
        )
    if set_name:
        return (find_measure_set(set_name) if allow_files else bundled_measure_set(set_name)), None
    return None, parse_kpi_list(kpi or "")


def bundled_measure_set(name: str) -> MeasureSet:
    """A bundled set by id or title (any case); never a file."""
    folded = name.strip().casefold()
    bundled = bundled_measure_sets()
    for measure_set in bundled.values():
        if measure_set.id.casefold() == folded or measure_set.title.casefold() == folded:
            return measure_set
    raise NotFoundError(f"no measure set {name.strip()!r}: use one of {', '.join(sorted(bundled))}")
