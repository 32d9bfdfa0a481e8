"""The one typed configuration object, loaded from YAML and overridable by notebook parameters.

Relative paths in a config file are resolved against the folder that holds the file, so a
config works from any working directory (JupyterLab, papermill, the command line).
"""
from __future__ import annotations

import datetime as _dt
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from .categories import CURRENT_CRIME_TYPES, SPLIT, reporting_category_map
from .errors import ConfigError

PACKAGE_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_ROOT.parent
DEFAULT_CONFIG = REPO_ROOT / "data" / "config" / "milton_keynes.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class AreaConfig(_Strict):
    """The partnership area: one or more local authority districts (2017 codes or names)."""

    name: str = Field(description="Name printed in reports, e.g. 'Milton Keynes'.")
    lad_codes: list[Annotated[str, StringConstraints(pattern=r"^[EW]0[6-9]\d{6}$")]] = Field(
        min_length=1, description="Local authority district codes, e.g. [E06000042] (E06-E09, W06 + 6 digits).")


class DataConfig(_Strict):
    """Where the inputs are. Relative paths are relative to the config file."""

    police_uk: Path = Field(description="police.uk download: folder, zip, glob or CSV file.")
    geography: Path = Field(description="Folder with the bundled LSOA geography (GeoParquet).")
    cache_dir: Path | None = Field(default=None, description="Parquet cache; default ~/.cache/safermk_analysis.")


class ReportingConfig(_Strict):
    """Which period the assessment covers and how years are counted."""

    year_type: Literal["financial", "calendar"] = "financial"
    year: Annotated[int, Field(ge=2010, le=2100)] | Literal["latest"] = Field(
        default="latest",
        description="Start year of the assessment year (2024 = April 2024-March 2025 for a "
                    "financial year), or 'latest' for the most recent complete year in the data.")
    compare: Literal["year", "quarter", "rolling_12_months"] = Field(
        default="year", description="Period of the board's table, compared with the same months a year earlier.")
    quarter: Annotated[int, Field(ge=1, le=4)] | None = Field(
        default=None, description="With compare: quarter, which quarter of the year (default: latest complete).")
    spc_rebase: list[str] = Field(default_factory=list,
                                  description="Months (YYYY-MM) where SPC limits restart, e.g. a recording change.")
    allow_partial_periods: bool = Field(
        default=False,
        description="Compare periods with missing months on like-for-like months only (else an error).")
    trend_from: str | None = Field(
        default=None, pattern=r"^\d{4}-\d{2}$",
        description="First month (YYYY-MM) of long-term trends and SPC charts; default: the start of the latest "
                    "run of months with no gap longer than trend_max_gap_months.")
    trend_max_gap_months: int = Field(default=2, ge=0, le=24,
                                      description="Longest run of missing months a trend series may span.")


class PopulationConfig(_Strict):
    """A more recent population total for the whole area than the bundled LSOA figures (census 2011,
    mid-2015), e.g. the latest ONS mid-year estimate: used for area rates and population growth;
    LSOA-level rates keep the LSOA figures."""

    residents: int = Field(gt=0, description="Usual residents of the whole area.")
    households: int | None = Field(default=None, gt=0, description="Households (default: census 2011).")
    year: int = Field(ge=2011, le=2100, description="Year of the figure.")
    reference: Literal["census_day", "mid_year"] = Field(
        default="mid_year", description="When in the year it counts people: census day (March) or 30 June.")
    source: str = Field(min_length=3, description="What it is and who published it, shown next to every rate.")

    @property
    def month(self) -> str:
        """The month it counts people in: 'YYYY-03' (census day) or 'YYYY-06' (30 June)."""
        return f"{self.year}-{'03' if self.reference == 'census_day' else '06'}"

    @property
    def decimal_year(self) -> float:
        """Its date as a decimal year (census day taken as 21 March), for growth rates."""
        return self.year + (80 / 365 if self.reference == "census_day" else 0.5)


class CategoriesConfig(_Strict):
    """Reporting categories: each police.uk type belongs to at most one."""

    total: str = "All crime"
    exclude_from_total: list[str] = Field(default_factory=lambda: ["Anti-social behaviour"],
                                          description="police.uk crime types left out of the total.")
    map: dict[str, list[str]]
    improvement: dict[str, Literal["down", "up", "none"]] = Field(
        default_factory=dict,
        description="SPC improvement direction by reporting category; unlisted categories: down (lower is better).")

    def direction(self, category: str) -> str | None:
        """'down', 'up' or None (no direction) for SPC colouring."""
        d = self.improvement.get(category, "down")
        return None if d == "none" else d

    @model_validator(mode="after")
    def _improvement_known(self) -> "CategoriesConfig":
        known = set(self.map) | {self.total}
        for c in self.improvement:
            if c not in known:
                raise ValueError(f"categories.improvement names unknown category '{c}'; known: {sorted(known)}")
        return self

    @field_validator("map")
    @classmethod
    def _known_types(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        known = set(CURRENT_CRIME_TYPES) | set(SPLIT)
        for category, types in v.items():
            for t in types:
                if t not in known:
                    hint = difflib.get_close_matches(t, sorted(known), n=1)
                    raise ValueError(
                        f"'{t}' (under '{category}') is not a police.uk crime type"
                        + (f"; did you mean '{hint[0]}'?" if hint else f"; known types: {sorted(known)}"))
        reporting_category_map(v)  # raises if a type is listed twice
        return v

    @field_validator("exclude_from_total")
    @classmethod
    def _known_excluded(cls, v: list[str]) -> list[str]:
        known = set(CURRENT_CRIME_TYPES) | set(SPLIT)
        for t in v:
            if t not in known:
                hint = difflib.get_close_matches(t, sorted(known), n=1)
                raise ValueError(f"'{t}' is not a police.uk crime type"
                                 + (f"; did you mean '{hint[0]}'?" if hint else ""))
        return v


class Thresholds(_Strict):
    """Decision thresholds used across the report."""

    change_band_pct: float = Field(default=10.0, gt=0, description="±% band for 'increase'/'reduction'.")
    confidence: float = Field(default=0.95, gt=0.5, lt=1.0, description="Confidence level of tests and intervals.")
    suppression_threshold: int = Field(default=4, ge=0, description="Public edition: counts 1..N suppressed.")
    note_max_age_months: int = Field(default=24, ge=1, description="Partners' notes older than this (before the "
                                     "end of the assessment year) are flagged for refreshing.")


class Measure(_Strict):
    """A quantitative measure tracking a priority: a reporting category, a partner category, or a
    measure with no data source yet (``unavailable``: what it is and where its data would come
    from), shown as "no data source configured" rather than dropped.

    ``direction``: which way is better. ``no_direction`` is for police-generated counts (drugs,
    weapons possession) where more records can mean more proactive policing rather than more harm.
    When omitted, a police.uk category takes its ``categories.improvement`` direction (down:
    lower_is_better, up: higher_is_better, none: no_direction); a partner category lower_is_better.
    """

    category: str | None = None
    partner: str | None = Field(default=None, description="Name of a partner source; category is then its category.")
    direction: Literal["lower_is_better", "higher_is_better", "no_direction"] | None = Field(
        default=None, description="Default: the category's categories.improvement (police.uk), else lower_is_better.")
    unavailable: str | None = Field(default=None, description="e.g. 'proven re-offending rate: needs MoJ data'.")

    @model_validator(mode="after")
    def _one(self) -> "Measure":
        if (self.category is None) == (self.unavailable is None):
            raise ValueError("a measure names a category (optionally with partner) or says why it is unavailable")
        return self


_NOTE_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"


class Note(_Strict):
    """A qualitative note from partners: what they report, who said it (or which document), and when.

    ``date`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; the report flags notes older than
    ``thresholds.note_max_age_months`` before the end of the assessment year, and undated ones, so
    that the board sees how current the partners' view is. A plain string in the YAML is a note
    with no source or date.
    """

    text: Annotated[str, StringConstraints(min_length=3, strip_whitespace=True)]
    source: str | None = Field(default=None, description="Who reported it, or the document it comes from.")
    date: Annotated[str, StringConstraints(pattern=_NOTE_DATE)] | None = None
    url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, v: Any) -> Any:
        if isinstance(v, str):
            return {"text": v}
        if isinstance(v, dict) and isinstance(v.get("date"), (int, _dt.date)):
            v = {**v, "date": str(v["date"])}  # YAML reads 2025 as int and 2025-01-31 as a date
        return v

    @field_validator("date")
    @classmethod
    def _real_date(cls, v: str | None) -> str | None:
        if v is None:
            return v
        parts = [int(x) for x in v.split("-")]
        try:
            _dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        except ValueError:
            raise ValueError(f"'{v}' is not a real date") from None
        if parts[0] < 1900:
            raise ValueError(f"'{v}' is not a plausible year for a partner's note")
        return v

    def start(self) -> _dt.date | None:
        """The first day the note's date can mean (2024 -> 2024-01-01), or None when undated."""
        if self.date is None:
            return None
        parts = [int(x) for x in self.date.split("-")] + [1, 1]
        return _dt.date(*parts[:3])

    def end(self) -> _dt.date | None:
        """The last day the note's date can mean (2024 -> 2024-12-31), or None when undated."""
        if self.date is None:
            return None
        parts = [int(x) for x in self.date.split("-")]
        if len(parts) == 3:
            return _dt.date(*parts)
        y, m = parts[0], (parts[1] if len(parts) == 2 else 12)
        return _dt.date(y + (m == 12), m % 12 + 1, 1) - _dt.timedelta(days=1)


class Priority(_Strict):
    """A partnership priority: at least one quantitative measure and at least one qualitative note
    from partners (the partnership's own rule)."""

    name: str
    measures: list[Measure] = Field(min_length=1)
    notes: list[Note] = Field(min_length=1)


class Place(_Strict):
    """A priority location: a point with a radius, a polygon (WKT) or a list of LSOAs (EPSG:27700)."""

    name: str
    easting: float | None = Field(default=None, description="Centre, British National Grid metres.")
    northing: float | None = None
    radius_m: float | None = Field(default=None, gt=0, le=20_000)
    wkt: str | None = Field(default=None, description="Polygon in EPSG:27700 as WKT.")
    lsoas: list[str] | None = Field(default=None, description="LSOA 2011 codes making up the place.")
    note: str | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> "Place":
        point = self.easting is not None or self.northing is not None or self.radius_m is not None
        if point and (self.easting is None or self.northing is None or self.radius_m is None):
            raise ValueError(f"place '{self.name}': a point needs easting, northing and radius_m")
        if sum([point, self.wkt is not None, self.lsoas is not None]) != 1:
            raise ValueError(f"place '{self.name}': give exactly one of easting/northing/radius_m, wkt or lsoas")
        if point and not (0 <= self.easting <= 700_000 and 0 <= self.northing <= 1_300_000):
            raise ValueError(f"place '{self.name}': easting/northing must be British National Grid metres")
        return self


class PartnerSource(_Strict):
    """A partner incident file (council ASB, fire, hospital ...) in CSV, with its column names."""

    name: str
    file: Path
    columns: dict[Literal["date", "category", "lsoa", "longitude", "latitude", "easting", "northing"], str]
    date_format: str | None = Field(default=None, description="strftime format, e.g. '%d/%m/%Y'; default: inferred.")
    dayfirst: bool = True
    asb: bool = Field(default=False, description="Also report it in the anti-social behaviour section.")

    @model_validator(mode="after")
    def _required(self) -> "PartnerSource":
        for key in ("date", "category"):
            if key not in self.columns:
                raise ValueError(f"partner '{self.name}': columns must name the file's '{key}' column")
        return self


class MoRiLE(_Strict):
    """Analyst scores in the style of MoRiLE (1 = low, 5 = high)."""

    impact: int = Field(ge=1, le=5)
    likelihood: int = Field(ge=1, le=5)
    organisational_position: int = Field(ge=1, le=5, description="How far the partnership can act on it.")


class Prioritisation(_Strict):
    """Optional inputs to the prioritisation matrix."""

    harm_weights: dict[str, float] = Field(default_factory=dict, description="e.g. Cambridge Crime Harm Index "
                                           "weights per reporting category (days of custody per offence).")
    scores: dict[str, MoRiLE] = Field(default_factory=dict)


class Config(_Strict):
    """Everything a run needs: area, data, period, categories, thresholds, audience, seed."""

    partnership: str
    area: AreaConfig
    force: str = Field(description="police.uk force slug, as in the file names, e.g. 'thames-valley'.")
    data: DataConfig
    reporting: ReportingConfig = Field(default_factory=ReportingConfig)
    categories: CategoriesConfig
    thresholds: Thresholds = Field(default_factory=Thresholds)
    audience: Literal["public", "restricted"] = "public"
    seed: int = Field(default=20240401, ge=0, description="Seed for every randomised method.")
    priorities: list[Priority] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list, description="Named priority locations for the hot spot section.")
    partners: list[PartnerSource] = Field(default_factory=list, description="Partner incident files (CSV).")
    prioritisation: Prioritisation = Field(default_factory=Prioritisation)
    population: PopulationConfig | None = Field(default=None, description="Optional current area population.")
    source_path: Path | None = Field(default=None, exclude=True, description="The YAML file it came from.")

    @model_validator(mode="after")
    def _priority_measures_known(self) -> "Config":
        known = set(self.categories.map) | {self.categories.total}
        sources = {ps.name for ps in self.partners}
        names = [p.name for p in self.priorities]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"priority name(s) given twice: {twice}; give each priority one entry with all its measures")
        for p in self.priorities:
            for m in p.measures:
                if m.unavailable is not None:
                    continue
                if m.partner is not None:
                    if m.partner not in sources:
                        raise ValueError(f"priority '{p.name}' uses partner '{m.partner}', which is not in partners: "
                                         f"{sorted(sources) or 'none configured'}")
                elif m.category not in known:
                    raise ValueError(f"priority '{p.name}' measures unknown category '{m.category}'; "
                                     f"reporting categories are {sorted(known)}")
                if m.direction is None:  # the category's own improvement direction (police.uk)
                    d = "down" if m.partner is not None else self.categories.improvement.get(m.category, "down")
                    m.direction = {"down": "lower_is_better", "up": "higher_is_better", "none": "no_direction"}[d]
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-friendly dict (paths as strings) for provenance annexes."""
        return self.model_dump(mode="json")


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML loader that refuses a key given twice in one mapping (YAML would keep the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is given twice (line {key_node.start_mark.line + 1})", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _set_dotted(d: dict, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    cur = d
    for k in keys[:-1]:
        if not isinstance(cur.get(k), dict):
            cur[k] = {}
        cur = cur[k]
    cur[keys[-1]] = value


def _format_validation(err: ValidationError, where: str) -> str:
    lines = [f"Configuration {where} is not valid:"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see data/config/milton_keynes.yaml for every key)"
        elif e["type"] == "missing":
            msg = "required key is missing"
            if loc.endswith(".notes"):
                msg += " (each priority needs at least one qualitative note from partners)"
            elif loc.endswith(".measures"):
                msg += " (each priority needs at least one quantitative measure)"
        elif e["type"] == "too_short" and loc.endswith(".notes"):
            msg = "no note given: each priority needs at least one qualitative note from partners"
        elif e["type"] == "too_short" and loc.endswith(".measures"):
            msg = ("no measure given: each priority needs at least one quantitative measure (a category, or "
                   "'unavailable: <what and where its data would come from>')")
        elif loc.endswith(".date") and ".notes." in loc:
            msg = ("write a note's date as YYYY, YYYY-MM or YYYY-MM-DD"
                   + (f" ({msg.split(', ', 1)[-1]})" if e["type"] == "value_error" else ""))
        got = e.get("input")
        got_s = "" if e["type"] in ("missing",) or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"  - {loc}: {msg}{got_s}")
    return "\n".join(lines)


def config_from_dict(raw: Mapping[str, Any], *, base_dir: Path | None = None,
                     overrides: Mapping[str, Any] | None = None, where: str = "(dict)") -> Config:
    """Build a Config from a plain dict; ``overrides`` use dotted keys, e.g. ``{"reporting.year": 2024}``."""
    data = yaml.safe_load(yaml.safe_dump(dict(raw)))  # deep copy of plain types
    for key, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(data, key, value)
    try:
        cfg = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_validation(err, where)) from None
    if base_dir is not None:
        d = cfg.data
        d.police_uk = _resolve(base_dir, d.police_uk)
        d.geography = _resolve(base_dir, d.geography)
        if d.cache_dir is not None:
            d.cache_dir = _resolve(base_dir, d.cache_dir)
        for ps in cfg.partners:
            ps.file = _resolve(base_dir, ps.file)
    return cfg


def _resolve(base: Path, p: Path) -> Path:
    p = Path(p).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def load_config(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Load the typed config from a YAML file (default: the bundled Milton Keynes config).

    ``overrides`` maps dotted keys to values (``None`` values are ignored), which is how
    papermill parameters override the file.
    """
    path = Path(path) if path is not None else DEFAULT_CONFIG
    if not path.is_file():
        raise ConfigError(f"Config file {path} does not exist. Copy data/config/milton_keynes.yaml "
                          "and edit it for your partnership.")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (safe loader)
    except yaml.YAMLError as err:
        raise ConfigError(f"Config file {path} is not valid YAML: {err}") from None
    except ValueError as err:  # e.g. an unquoted date that does not exist: date: 2024-02-30
        raise ConfigError(f"Config file {path} has a value YAML cannot read ({err}); a date must be a real "
                          "date, written YYYY-MM-DD (or put it in quotes).") from None
    except UnicodeDecodeError:
        raise ConfigError(f"Config file {path} is not UTF-8 text; save it as UTF-8.") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"Config file {path} must hold a mapping of keys (partnership, area, ...), "
                          f"not {type(raw).__name__}.")
    overrides = {k: (str(Path(v).expanduser().resolve()) if k == "data.police_uk" and v is not None else v)
                 for k, v in (overrides or {}).items()}
    given = {k: v for k, v in overrides.items() if v is not None}
    where = str(path) + (f" with overrides {given}" if given else "")
    cfg = config_from_dict(raw, base_dir=path.resolve().parent, overrides=overrides, where=where)
    cfg.source_path = path.resolve()
    return cfg
