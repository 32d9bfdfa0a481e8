"""police.uk crime categories: harmonising historic names and mapping to reporting categories.

police.uk renamed and split categories over the years. ``harmonise_crime_types`` maps every
published name to the current (2013-05 onwards) set; names that cannot be split into the
current set (e.g. "Public disorder and weapons") are kept and reported as series breaks.
"""
from __future__ import annotations

from typing import Iterable, Mapping

import pandas as pd

ASB = "Anti-social behaviour"

#: The 14 categories police.uk has published since May 2013.
CURRENT_CRIME_TYPES: tuple[str, ...] = (
    ASB,
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

#: Historic police.uk names that map one-to-one onto a current category.
RENAMED: dict[str, str] = {
    "Violent crime": "Violence and sexual offences",
    "Violence and sexual offences": "Violence and sexual offences",
    "Anti-social behavior": ASB,  # spelling seen in some third-party re-exports
    "Criminal damage & arson": "Criminal damage and arson",
}

#: Historic names that were later split; they cannot be assigned to one current category.
#: value = (the current categories it was split into, first month of the new categories)
SPLIT: dict[str, tuple[tuple[str, ...], str]] = {
    "Public disorder and weapons": (("Public order", "Possession of weapons"), "2013-05"),
}

#: Current names whose meaning narrowed when police.uk split them (series break month).
NARROWED: dict[str, tuple[tuple[str, ...], str]] = {
    "Other theft": (("Other theft", "Bicycle theft", "Theft from the person"), "2013-05"),
}


def harmonise_crime_types(raw: pd.Series) -> tuple[pd.Series, dict[str, int]]:
    """Map published police.uk crime type names to the current set.

    Returns the harmonised series (categorical) and a dict ``{raw name: rows}`` of names that
    are neither current nor known historic names (kept unchanged, so nothing is lost).
    """
    raw_cat = raw.astype("category")
    names = list(raw_cat.cat.categories)
    mapping = {}
    unknown: dict[str, int] = {}
    counts = raw_cat.value_counts()
    for name in names:
        clean = " ".join(str(name).split())
        if clean in CURRENT_CRIME_TYPES:
            mapping[name] = clean
        elif clean in RENAMED:
            mapping[name] = RENAMED[clean]
        elif clean in SPLIT:
            mapping[name] = clean
        else:
            mapping[name] = clean
            if counts.get(name, 0):
                unknown[str(name)] = int(counts[name])
    new = raw_cat.cat.rename_categories(mapping) if len(set(mapping.values())) == len(mapping) else (
        raw.map(mapping).astype("category")
    )
    return new, unknown


def series_breaks(raw_types: Iterable[str], first_month: str, last_month: str) -> list[dict]:
    """Category definition changes affecting the loaded months, for the data-quality report.

    ``raw_types`` are the crime type names as published; months are 'YYYY-MM' strings.
    """
    out = []
    present = {str(t) for t in raw_types}
    for old, (new, when) in SPLIT.items():
        if old in present:
            out.append({"category": old, "became": list(new), "from": when,
                        "note": f"'{old}' cannot be split into {', '.join(new)}; compare periods "
                                f"either side of {when} only at the combined level."})
    for cur, (parts, when) in NARROWED.items():
        if cur in present:
            if first_month < when <= last_month:
                out.append({"category": cur, "became": list(parts), "from": when,
                            "note": f"Before {when} '{cur}' included {', '.join(parts[1:])}; "
                                    "compare the combined theft group across that month."})
    return out


def reporting_category_map(mapping: Mapping[str, list[str]]) -> dict[str, str]:
    """Invert ``{reporting category: [police.uk types]}`` to ``{police.uk type: reporting category}``.

    Raises ``ValueError`` if one police.uk type is listed under two reporting categories.
    """
    inverse: dict[str, str] = {}
    for category, types in mapping.items():
        for t in types:
            if t in inverse and inverse[t] != category:
                raise ValueError(
                    f"police.uk crime type '{t}' is listed under both '{inverse[t]}' and "
                    f"'{category}'; each type may belong to one reporting category (the total, "
                    "e.g. 'All crime', is computed separately).")
            inverse[t] = category
    return inverse
