"""One house style for every static chart: colour-blind-safe palette, findings as titles, source line."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

#: Okabe-Ito colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
SOURCE = "Source: data.police.uk (Open Government Licence v3.0)"


def use_house_style() -> None:
    """Apply the house style to matplotlib/seaborn (idempotent)."""
    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=1.05,
                  rc={"figure.dpi": 110, "savefig.dpi": 110, "axes.titleweight": "bold",
                      "axes.titlesize": 13, "axes.spines.top": False, "axes.spines.right": False})


def add_source(fig: plt.Figure, text: str = SOURCE) -> None:
    fig.text(0.01, 0.005, text, ha="left", va="bottom", fontsize=8, color="#555555")


def monthly_counts(df: pd.DataFrame, *, title: str | None = None, area: str = "") -> plt.Figure:
    """Records per month, crime and ASB as two lines; missing months are gaps, not zeros."""
    use_house_style()
    months = pd.period_range(df["month"].min(), df["month"].max(), freq="M")
    counts = (df.groupby(["month", "is_asb"], observed=True).size().unstack("is_asb")
              .reindex(months).rename(columns={False: "Crime", True: "Anti-social behaviour"}))
    present = df["month"].unique()
    counts.loc[~counts.index.isin(present)] = np.nan  # absent month = no data, never 0
    fig, ax = plt.subplots(figsize=(11, 4.2))
    x = counts.index.to_timestamp()
    for k, col in enumerate(c for c in ("Crime", "Anti-social behaviour") if c in counts):
        ax.plot(x, counts[col], marker="o", ms=3, lw=1.6, color=PALETTE[k], label=col)
    missing = counts.index[counts.isna().all(axis=1)]
    for m in missing:
        ax.axvspan(m.to_timestamp(), (m + 1).to_timestamp(), color="#dddddd", lw=0)
    if len(missing):
        ax.plot([], [], color="#dddddd", lw=8, label="month missing from the data")
    ax.set_ylabel("records per month")
    ax.set_xlabel("")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    n_missing = len(missing)
    ax.set_title(title or (f"{area}: police.uk records per month, {len(present)} months present"
                           + (f", {n_missing} missing (grey)" if n_missing else "")), loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.08), frameon=False, ncol=3)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    add_source(fig)
    return fig
