"""The strategic assessment summary: each section records its key findings in the run's output
folder, and the summary section gathers them into an executive summary in plain English."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

FOLDER = "findings"


def _file(output_dir, section: str) -> Path:
    slug = "".join(ch if ch.isalnum() else "-" for ch in section.lower()).strip("-")
    return Path(output_dir) / FOLDER / f"{slug}.json"


def record(output_dir, section: str, lines: list[str]) -> None:
    """Store a section's findings (plain-English sentences) for the summary; no-op without a folder.

    One file per section, written whole and renamed into place, so sections running at the same
    time never overwrite each other.
    """
    if not output_dir:
        return
    path = _file(output_dir, section)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"section": section, "lines": list(lines)}, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def clear(output_dir) -> None:
    """Forget the findings of an earlier run in this folder (a new run must not show stale ones)."""
    folder = Path(output_dir) / FOLDER
    if folder.is_dir():
        for f in folder.glob("*.json"):
            f.unlink()


def collect(output_dir) -> dict[str, list[str]]:
    """All findings recorded so far in this run ({section: sentences})."""
    folder = Path(output_dir) / FOLDER if output_dir else None
    if not folder or not folder.is_dir():
        return {}
    out = {}
    for f in sorted(folder.glob("*.json")):
        data = json.loads(f.read_text(encoding="utf-8"))
        out[data["section"]] = data["lines"]
    return out


def executive_summary(findings: dict[str, list[str]], order: list[str], *, per_section: int = 4) -> str:
    """Markdown: a heading per section and its first findings, in report order."""
    parts = []
    for section in order:
        lines = findings.get(section)
        if lines:
            parts.append(f"**{section}**\n\n" + "\n".join(f"- {s}" for s in lines[:per_section]))
    missing = [s for s in order if s not in findings]
    if missing:
        parts.append("Sections without recorded findings (they failed or were not run): " + ", ".join(missing) + ".")
    return "\n\n".join(parts)


def recommendations(config, matrix=None, measures: pd.DataFrame | None = None, *, top: int = 3) -> list[str]:
    """A scaffold for the board's recommendations: each configured priority with what its measures
    say year on year and over the longer term (``measures``: :func:`priorities.measure_table`),
    the data it still lacks, then the matrix's highest-scoring categories not yet tracked."""
    from .priorities import NO_DATA, NO_DIRECTION, NO_SOURCE, NOT_LOADED, WITHHELD
    from .priorities import join_words as _join

    out = []
    for p in config.priorities:
        rows = measures[measures["priority"] == p.name] if measures is not None else None
        if rows is None or rows.empty:
            out.append(f"Keep '{p.name}' as a priority, tracked by "
                       + ", ".join(m.category or f"(no data source: {m.unavailable})" for m in p.measures) + ".")
            continue
        reading = rows["reading"].astype(str)
        long = (rows["long_term_reading"] if "long_term_reading" in rows else pd.Series(index=rows.index, dtype=object))
        long = long.astype(object).fillna("").astype(str)

        def names(mask):
            return rows.loc[mask, "measure"].tolist()

        missing = names(reading.eq(NO_SOURCE))
        if len(missing) == len(rows):
            out.append(f"'{p.name}': no measure has a data source yet, so this assessment cannot say whether it is "
                       f"improving; obtain {_join(_what(missing))}.")
            continue
        said = []
        clauses = [
            (reading.eq("worsening"), "worse than the year before on {}: review the actions"),
            (reading.eq("improving"), "better than the year before on {}"),
            (reading.eq("stable"), f"stable year on year (within ±{config.thresholds.change_band_pct:g}%) on {{}}"),
            (reading.eq("no significant change"), "no significant change year on year on {}"),
            (long.eq("worsening"), "worsening over the longer term (significant trend) on {}: review the actions"),
            (long.eq("improving"), "improving over the longer term (significant trend) on {}"),
        ]
        for mask, text in clauses:
            if mask.any():
                said.append(text.format(_join(names(mask))))
        for m, v in rows.loc[reading.str.endswith(NO_DIRECTION),
                             ["measure", "verdict"]].itertuples(index=False):
            said.append(f"a {v} in {m} year on year (no better or worse direction is set: read it with partners)")
        for m, v in rows.loc[long.isin(["rising", "falling"]), ["measure", "long_term_reading"]].itertuples(index=False):
            said.append(f"{m} {v} over the longer term (significant trend; no direction is set: read it with partners)")
        hidden = names(reading.eq(WITHHELD))
        if said:
            text = f"'{p.name}': " + "; ".join(said) + "."
            if hidden:
                text += f" Figures for {_join(hidden)} are withheld in this edition (disclosure control)."
        elif hidden:
            text = f"'{p.name}': figures for {_join(hidden)} are withheld in this edition (disclosure control)."
        else:
            text = f"'{p.name}': no reading from its measures in this period."
        absent = names(reading.isin([NO_DATA, NOT_LOADED]))
        if absent:
            text += f" No data in the period for {_join(absent)}."
        if missing:
            text += f" Still without data: {_join(_what(missing))}."
        out.append(text)
    if matrix is not None and len(matrix):
        tracked = {m.category for p in config.priorities for m in p.measures if m.category and m.partner is None}
        ranked = matrix.sort_values("rank")["category"].tolist()
        new = [c for c in ranked if c not in tracked][:top]
        if new:
            out.append("Consider for priority status, as the highest-scoring categories in the prioritisation matrix "
                       "that no priority tracks yet: " + ", ".join(new) + ".")
        lead = [c for c in ranked[:top] if c in tracked]
        if lead:
            out.append("Of the matrix's top " + str(top) + ", " + _join(lead) + (" is" if len(lead) == 1 else " are")
                       + " already tracked by a priority.")
    if not config.priorities:
        out.append("Set the partnership's priorities in the configuration (each with at least one measure and one "
                   "qualitative note from partners) so that next year's assessment reports against them.")
    return out


def _what(unavailable: list[str]) -> list[str]:
    """'proven re-offending rate: MoJ statistics' -> 'proven re-offending rate'."""
    return [u.split(":")[0].strip() for u in unavailable]


