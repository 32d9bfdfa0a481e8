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
    say (``measures``: :func:`priorities.measure_table`), the data it still lacks, then candidates
    from the prioritisation matrix."""
    from .priorities import NO_SOURCE

    out = []
    for p in config.priorities:
        rows = measures[measures["priority"] == p.name] if measures is not None else None
        if rows is None or rows.empty:
            out.append(f"Keep '{p.name}' as a priority, tracked by "
                       + ", ".join(m.category or f"(no data source: {m.unavailable})" for m in p.measures) + ".")
            continue
        reading = rows["reading"].astype(str)
        long = rows["long_term_reading"].astype(str) if "long_term_reading" in rows else pd.Series("", index=rows.index)
        worse = rows.loc[reading.eq("worsening"), "measure"].tolist()
        better = rows.loc[reading.eq("improving"), "measure"].tolist()
        moved = rows.loc[reading.str.endswith("(no better or worse direction is set for this measure)"),
                         ["measure", "verdict"]]
        worse_long = rows.loc[long.eq("worsening") & ~reading.eq("worsening"), "measure"].tolist()
        better_long = rows.loc[long.eq("improving") & ~reading.eq("improving") & ~reading.eq("worsening"),
                               "measure"].tolist()
        missing = rows.loc[reading.eq(NO_SOURCE), "measure"].tolist()
        if len(missing) == len(rows):
            text = (f"'{p.name}': no measure has a data source yet, so this assessment cannot say whether it is "
                    f"improving; obtain {_join(_what(missing))}.")
        else:
            said = []
            if worse:
                said.append(f"worse than the year before on {_join(worse)}: review the actions")
            if worse_long:
                said.append(f"worsening over the longer term (significant trend) on {_join(worse_long)}: review the actions")
            if better:
                said.append(f"better than the year before on {_join(better)}")
            if better_long:
                said.append(f"improving over the longer term (significant trend) on {_join(better_long)}")
            if len(moved):
                said.append("; ".join(f"a {v} in {m} (no better or worse direction is set: read it with partners)"
                                      for m, v in moved.itertuples(index=False)))
            if not said:
                said.append("no significant change in its measures")
            text = f"'{p.name}': " + "; ".join(said) + "."
            if missing:
                text += f" Still without data: {_join(_what(missing))}."
        out.append(text)
    if matrix is not None and len(matrix):
        names = matrix.sort_values("rank")["category"].head(top).tolist()
        out.append("Consider for priority status, as the highest-scoring categories in the prioritisation matrix: "
                   + ", ".join(names) + ".")
    if not config.priorities:
        out.append("Set the partnership's priorities in the configuration (each with at least one measure and one "
                   "qualitative note from partners) so that next year's assessment reports against them.")
    return out


def _what(unavailable: list[str]) -> list[str]:
    """'proven re-offending rate: MoJ statistics' -> 'proven re-offending rate'."""
    return [u.split(":")[0].strip() for u in unavailable]


def _join(items: list[str]) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
