"""One house style for every static chart: colour-blind-safe palette, findings as titles, source line."""
from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.dates
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


SIGNAL_COLOURS = {"improvement": "#0072B2", "concern": "#E69F00", "neutral": "#CC79A7", "common cause": "#7f7f7f"}


def _spc_axes(ax, result, title: str) -> None:
    d = result.data
    x = d.index.to_timestamp() if isinstance(d.index, pd.PeriodIndex) else d.index
    ax.plot(x, d["value"], color="#7f7f7f", lw=1.2, zorder=1)
    for sig, colour in SIGNAL_COLOURS.items():
        sel = d["signal"] == sig
        if sel.any():
            ax.scatter(x[sel], d.loc[sel, "value"], color=colour, s=22, zorder=3,
                       label=sig if sig != "common cause" else "common cause")
    for seg in d["segment"].unique():
        sel = (d["segment"] == seg).to_numpy()
        xs = x[sel]
        ax.plot(xs, d.loc[sel, "mean"], color="#333333", lw=1, zorder=2)
        ax.plot(xs, d.loc[sel, "ucl"], color="#555555", lw=1, ls="--", zorder=2)
        ax.plot(xs, d.loc[sel, "lcl"].clip(lower=0), color="#555555", lw=1, ls="--", zorder=2)
    ax.set_title(textwrap.fill(title, 44), loc="left", fontsize=11)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    if isinstance(d.index, pd.PeriodIndex):
        span_years = (d.index[-1].ordinal - d.index[0].ordinal) / 12
        ax.xaxis.set_major_locator(matplotlib.dates.YearLocator() if span_years > 2.5 else
                                   matplotlib.dates.MonthLocator(bymonth=[1, 7]))
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y" if span_years > 2.5 else "%b %Y"))


def spc_small_multiples(results: dict, *, ncols: int = 3, title: str = "", ylabel: str = "records per month") -> plt.Figure:
    """One XmR chart per category in a grid; points coloured by improvement / concern / common cause."""
    use_house_style()
    n = len(results)
    nrows = int(np.ceil(n / ncols))
    width, row_h = max(4.2 * ncols, 10.5), (2.9 if ncols > 1 else 3.8)  # one chart: full width, readable
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, row_h * nrows + 0.8), squeeze=False)
    for ax, (name, res) in zip(axes.flat, results.items()):
        kinds = res.recent_signals  # the same reading as the text under the chart (spc summary)
        _spc_axes(ax, res, f"{name}: {' and '.join(kinds)} in the last six months" if kinds else name)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=8)
        for label in ax.get_xticklabels():
            label.set_rotation(0)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=k) for k, c in SIGNAL_COLOURS.items()]
    handles += [plt.Line2D([], [], color="#333333", label="mean"),
                plt.Line2D([], [], color="#555555", ls="--", label="process limits")]
    top = 1 - 0.7 / fig.get_figheight()
    if title:
        fig.suptitle(title, x=0.01, y=0.995, ha="left", va="top", fontweight="bold", fontsize=13)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, 1 - 0.4 / fig.get_figheight()), ncol=6,
               frameon=False, fontsize=9)
    fig.tight_layout(rect=(0, 0.03, 1, top))
    add_source(fig)
    return fig


def period_change(table: pd.DataFrame, *, title: str = "", band_pct: float = 10.0) -> plt.Figure:
    """Horizontal bars of % change by category, coloured by the statistical verdict, with the ±band."""
    use_house_style()
    t = table[table["pct_change"].notna()].sort_values("pct_change")
    colours = {"significant increase": "#D55E00", "significant reduction": "#0072B2", "stable": "#009E73",
               "no significant change": "#BBBBBB"}
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(t) + 1.6))
    y = np.arange(len(t))
    ax.barh(y, t["pct_change"], color=[colours[v] for v in t["statistical_verdict"]])
    ax.set_yticks(y, t["category"])
    ax.axvspan(-band_pct, band_pct, color="#f0f0f0", zorder=0)
    ax.axvline(0, color="#333333", lw=0.8)
    for yi, (pct, a) in enumerate(zip(t["pct_change"], t["after"])):
        ax.text(pct + (0.6 if pct >= 0 else -0.6), yi, f"{pct:+.1f}%", va="center",
                ha="left" if pct >= 0 else "right", fontsize=9)
    ax.set_xlabel("% change on the comparison period")
    lim = max(abs(t["pct_change"]).max() * 1.25, band_pct * 1.5)
    ax.set_xlim(-lim, lim)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, label=k) for k, c in colours.items()]
    handles.append(plt.Rectangle((0, 0), 1, 1, color="#f0f0f0", label=f"±{band_pct:g}% band"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.12), ncol=3, frameon=False, fontsize=9)
    ax.set_title(title, loc="left")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    add_source(fig)
    return fig


def decile_rates(table: pd.DataFrame, *, title: str, unit: str = "records per 1,000 residents") -> plt.Figure:
    """Bars of the rate by national IMD decile (1 = most deprived)."""
    use_house_style()
    fig, ax = plt.subplots(figsize=(9, 4.2))
    ax.bar(table["decile"].astype(str), table["rate"], color=PALETTE[0])
    for x, (r, n) in enumerate(zip(table["rate"], table["lsoas"])):
        ax.text(x, r, f"{r:,.0f}\n({n} LSOAs)", ha="center", va="bottom", fontsize=8)
    ax.set_xlabel("IMD 2019 decile (1 = most deprived 10% in England)")
    ax.set_ylabel(unit)
    ax.set_ylim(0, table["rate"].max() * 1.25)
    ax.set_title(title, loc="left")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    add_source(fig, SOURCE + "; IMD 2019 (MHCLG); mid-2015 population")
    return fig
