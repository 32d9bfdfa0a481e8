"""Tables formatted for people: thousands separators, percentages with two decimals, no index."""
from __future__ import annotations

import numpy as np
import pandas as pd


def _numeric_kind(s: pd.Series) -> str:
    v = pd.to_numeric(s, errors="coerce")
    if s.dtype == object and v.notna().sum() < s.notna().sum():
        return "text"
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    vals = v.dropna()
    return "int" if len(vals) and (vals == vals.round()).all() and not pd.api.types.is_float_dtype(s.dtype) or (
        s.dtype == object and len(vals) and (vals == vals.round()).all()) else "float" if len(vals) else "text"


def _safe(f):
    """A formatter that formats numbers and leaves text (e.g. a '*' or a label) as it is."""
    def fmt(v):
        if isinstance(v, (bool, np.bool_)):
            return f(v) if callable(f) else str(v)
        if isinstance(v, (int, float, np.integer, np.floating)):
            return f(v) if callable(f) else f.format(v)
        return str(v)
    return fmt


def for_people(df: pd.DataFrame, *, percent: list[str] | None = None, caption: str | None = None,
               suppressed_threshold: int | None = None):
    """A pandas Styler with integers as 1,234, ``percent`` columns as 12.34%, and no index column.

    Cells hidden by disclosure control (``df.attrs["suppressed"]``, see :mod:`disclosure`) show '*'
    and the table gets the footnote; pass ``suppressed_threshold`` to mark every missing value so.
    """
    from .disclosure import FOOTNOTE, SUPPRESSED

    mask = df.attrs.get("suppressed")
    threshold = df.attrs.get("suppression_threshold", suppressed_threshold)
    attrs = dict(df.attrs)
    if mask is not None:  # only the cells disclosure control hid show '*'; other gaps show '–'
        df = df.copy()
        for col in mask.columns:
            if col in df and mask[col].any():
                df[col] = df[col].astype(object).where(~mask[col].to_numpy(), SUPPRESSED)
        df.attrs = attrs
    fmt = {}
    for c in df.columns:
        kind = _numeric_kind(df[c])
        if percent and c in percent:
            f = "{:.2%}"
        elif kind == "bool":
            f = (lambda v: "yes" if v else "no")
        elif kind == "int":
            f = "{:,.0f}"
        elif kind == "float" and "%" in str(c):
            f = "{:+.2f}%"
        elif kind == "float" and "score" in str(c):
            f = "{:.2f}"
        elif kind == "float":
            f = "{:,.1f}"
        else:
            continue
        fmt[c] = _safe(f)
    na = SUPPRESSED if suppressed_threshold is not None else "–"
    sty = df.style.format(fmt, na_rep=na).hide(axis="index")
    marked = (mask is not None and mask.to_numpy().any()) or (suppressed_threshold is not None
                                                               and df.isna().to_numpy().any())
    if threshold is not None and marked:  # the footnote only where a '*' is shown
        caption = ((caption + " ") if caption else "") + FOOTNOTE.format(t=threshold)
    text_cols = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
    if text_cols:
        sty = sty.set_properties(subset=text_cols, **{"text-align": "left"})
    if caption:
        sty = sty.set_caption(caption)
    return sty.set_table_styles([
        {"selector": "th", "props": "text-align: left; background: #f2f2f2; padding: 4px 8px;"},
        {"selector": "td", "props": "padding: 4px 8px;"},
        {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold;"},
    ])


VERDICT_STYLE = {
    "significant increase": "background-color: #fbe3d6; font-weight: bold;",
    "significant reduction": "background-color: #dbeaf6; font-weight: bold;",
    "stable": "background-color: #e3f2ea;",
}


def period_comparison(table: pd.DataFrame, *, before_label: str = "before", after_label: str = "after"):
    """The board's period table: counts, change, % change (two decimals), both verdicts, highlighted."""
    from .disclosure import FOOTNOTE, SUPPRESSED
    from .significance import CORRECTION_SHORT
    from .trends import disagreement_note, like_for_like_note

    conf = table.attrs.get("choices", {}).get("confidence", 0.95)
    corr = CORRECTION_SHORT.get(table.attrs.get("choices", {}).get("correction_method"), "the correction")
    mask = table.attrs.get("suppressed")
    hidden = (mask[["before", "after"]].any(axis=1).to_numpy() if mask is not None
              else np.zeros(len(table), dtype=bool))
    t = pd.DataFrame({
        "Category": table["category"],
        before_label: table["before"],
        after_label: table["after"],
        "Change": table["change"],
        "% change": table["pct_change"],
        "±% rule": table["threshold_verdict"],
        f"Rate ratio ({conf:.0%} CI, this category alone)": [
            SUPPRESSED if h else f"{r:.2f} ({lo:.2f}–{hi:.2f})" if pd.notna(r) else "–"
                                        for h, r, lo, hi in zip(hidden, table["rate_ratio"], table["ci_low"],
                                                                table["ci_high"])],
        "p (adjusted)": [SUPPRESSED if h else "–" if pd.isna(p) else
                         ("<0.001" if p < 0.001 else f"{p:.3f}") + ("" if fam else " (total: unadjusted)")
                         for h, p, fam in zip(hidden, table["p_adjusted"], table["in_family"])],
        "Statistical verdict": table["statistical_verdict"].astype(object).where(~hidden, SUPPRESSED),
        "Note": ["" if h else disagreement_note(r, conf, corr) for h, r in zip(hidden, table.to_dict("records"))],
    })
    t["±% rule"] = t["±% rule"].astype(object).where(~hidden, SUPPRESSED)

    def num(fmt):
        return lambda v: SUPPRESSED if (isinstance(v, float) and np.isnan(v) and mask is not None) else (
            "new" if isinstance(v, float) and np.isnan(v) else fmt.format(v))

    sty = t.style.format({before_label: num("{:,.0f}"), after_label: num("{:,.0f}"), "Change": num("{:+,.0f}"),
                          "% change": num("{:+.2f}%")}).hide(axis="index")
    caption = " ".join(x for x in [like_for_like_note(table), FOOTNOTE.format(t=table.attrs.get(
        "suppression_threshold", 4)) if hidden.any() else ""] if x)
    if caption:
        sty = sty.set_caption(caption)
    sty = sty.map(lambda v: VERDICT_STYLE.get(v, ""), subset=["Statistical verdict"])
    sty = sty.set_properties(subset=["Category", "±% rule", "Statistical verdict", "Note"], **{"text-align": "left"})
    sty = sty.set_properties(subset=[f"Rate ratio ({conf:.0%} CI, this category alone)"], **{"white-space": "nowrap"})
    total = table.index[~table["in_family"]]
    if len(total):
        sty = sty.set_properties(subset=pd.IndexSlice[list(total), :], **{"font-weight": "bold"})
    return sty.set_table_styles([
        {"selector": "th", "props": "text-align: left; background: #f2f2f2; padding: 4px 8px;"},
        {"selector": "td", "props": "padding: 4px 8px;"},
    ])


def choices_markdown(*choice_dicts: dict) -> str:
    """Every automatic or configured choice as a Markdown bullet list (for the methods section)."""
    lines = []
    for d in choice_dicts:
        for k, v in d.items():
            if isinstance(v, str):
                lines.append(f"- **{k.replace('_', ' ')}**: {v}")
    return "\n".join(lines)


def trend_summary(trend: pd.DataFrame):
    """The multi-year trend table for people: both tests, direction in words."""
    conf = trend.attrs.get("choices", {}).get("confidence", 0.95)
    t = pd.DataFrame({
        "Category": trend["category"],
        "Months": trend["months"],
        "Seasonal Mann-Kendall": [(f"{d} (p <0.001)" if p < 0.001 else f"{d} (p {p:.3f})") if pd.notna(p) else d
                                  for d, p in zip(trend["mk_trend"], trend["mk_p"])],
        "Sen's slope (per year)": trend["sen_slope_per_year"],
        f"Annual change ({conf:.0%} CI)": [f"{a:+.1f}% ({lo:+.1f}% to {hi:+.1f}%)" if pd.notna(a) else "–"
                                           for a, lo, hi in zip(trend["annual_pct_change"], trend["ci_low"], trend["ci_high"])],
        "Model trend": ["significant" if s else "not significant" for s in trend["nb_significant"]],
    })
    sty = t.style.format({"Sen's slope (per year)": "{:+,.1f}"}, na_rep="–").hide(axis="index")
    sty = sty.set_properties(subset=["Category", "Seasonal Mann-Kendall", "Model trend"], **{"text-align": "left"})
    window = trend.attrs.get("choices", {}).get("trend_months")
    if window:
        sty = sty.set_caption("Months used: " + window + ".")
    return sty.set_table_styles([
        {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: normal;"},
        {"selector": "th", "props": "text-align: left; background: #f2f2f2; padding: 4px 8px;"},
        {"selector": "td", "props": "padding: 4px 8px;"},
    ])


def concentration_table(conc: dict, stab: dict | None = None) -> pd.DataFrame:
    """Concentration and stability measures as a two-column table of words and formatted values."""
    k5 = max(1, int(-(-0.05 * conc["places"] // 1)))
    rows = [
        (f"Share of crime in the top 5% of {conc['unit']} ({k5})", f"{conc['top_5pct_share']:.1%}"),
        (f"Share of crime in the top 10% of {conc['unit']}", f"{conc['top_10pct_share']:.1%}"),
        (f"{conc['unit']} with any recorded crime", f"{conc['places_with_records']:,} of {conc['places']:,}"),
        ("Gini coefficient (0 = even, 1 = all in one place)", f"{conc['gini']:.3f}"),
        ("Generalised Gini (Bernasco and Steenbeek; differs when records < places)", f"{conc['generalised_gini']:.3f}"),
    ]
    if stab:
        rows += [
            ("Rank correlation with the year before (Spearman)", f"{stab['spearman_rho']:.2f}"),
            ("Top 5% places that were also top 5% the year before",
             f"{stab['top_places_retained']} of {stab['top_places']}"),
        ]
    return pd.DataFrame(rows, columns=["measure", "value"])


def priority_measures(measures: pd.DataFrame, priority: str, *, before_label: str = "before",
                      after_label: str = "after", band_pct: float = 10.0):
    """One priority's rows of :func:`priorities.measure_table`, with column names for the board
    (cells hidden by disclosure control stay marked '*')."""
    keep = (measures["priority"] == priority).to_numpy()
    names = {"before": before_label, "after": after_label, "pct_change": "% change",
             "rule": f"±{band_pct:g}% rule", "verdict": "statistical test", "reading": "reading (year on year)",
             "long_term": "long-term trend", "long_term_reading": "reading (long term)"}
    rows = measures[keep].drop(columns="priority").rename(columns=names)
    rows["source"] = rows["source"].fillna("none")
    rows.attrs = {}
    mask = measures.attrs.get("suppressed")
    if mask is not None and mask[keep].to_numpy().any():
        rows.attrs["suppressed"] = mask[keep].rename(columns=names).set_axis(rows.index)
        rows.attrs["suppression_threshold"] = measures.attrs.get("suppression_threshold")
    return for_people(rows)


POPULATION_NAMES = {"lsoas": "LSOAs", "residents_2011": "residents (census 2011)",
                    "households_2011": "households (census 2011)",
                    "population_mid2015": "residents (mid-2015 estimate)"}


def population_table(aggregated: pd.DataFrame, *, caption: str | None = None):
    """:func:`population.aggregate` output with the denominators' sources in the column names."""
    return for_people(aggregated.rename(columns=POPULATION_NAMES), caption=caption)
