"""Tables formatted for people: thousands separators, percentages with two decimals, no index."""
from __future__ import annotations

import pandas as pd


def for_people(df: pd.DataFrame, *, percent: list[str] | None = None, caption: str | None = None):
    """A pandas Styler with integers as 1,234, ``percent`` columns as 12.34%, and no index column."""
    fmt = {}
    for c in df.columns:
        if percent and c in percent:
            fmt[c] = "{:.2%}"
        elif pd.api.types.is_bool_dtype(df[c]):
            fmt[c] = lambda v: "yes" if v else "no"
        elif pd.api.types.is_integer_dtype(df[c]):
            fmt[c] = "{:,}"
        elif pd.api.types.is_float_dtype(df[c]):
            fmt[c] = "{:,.1f}"
    sty = df.style.format(fmt, na_rep="–").hide(axis="index")
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
