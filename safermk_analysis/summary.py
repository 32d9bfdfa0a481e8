"""The strategic assessment summary: each section records its key findings in the run's output
folder, and the summary section gathers them into an executive summary in plain English."""
from __future__ import annotations

import json
from pathlib import Path

FILE = "findings.json"


def record(output_dir, section: str, lines: list[str]) -> None:
    """Store a section's findings (plain-English sentences) for the summary; no-op without a folder."""
    if not output_dir:
        return
    path = Path(output_dir) / FILE
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[section] = list(lines)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


def collect(output_dir) -> dict[str, list[str]]:
    """All findings recorded so far in this run ({section: sentences})."""
    path = Path(output_dir) / FILE if output_dir else None
    return json.loads(path.read_text(encoding="utf-8")) if path and path.exists() else {}


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


def recommendations(config, matrix=None, *, top: int = 3) -> list[str]:
    """A scaffold for the board's recommendations: the configured priorities, then candidates from the matrix."""
    out = []
    for p in config.priorities:
        out.append(f"Keep '{p.name}' as a priority, tracked by "
                   + ", ".join(m.category or f"(no data source: {m.unavailable})" for m in p.measures) + ".")
    if matrix is not None and len(matrix):
        names = matrix.sort_values("rank")["category"].head(top).tolist()
        out.append("Consider for priority status, as the highest-scoring categories in the prioritisation matrix: "
                   + ", ".join(names) + ".")
    if not config.priorities:
        out.append("Set the partnership's priorities in the configuration (each with at least one measure and one "
                   "qualitative note from partners) so that next year's assessment reports against them.")
    return out
