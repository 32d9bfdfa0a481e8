"""Command line: ``python -m safermk_analysis run|data ...`` (also installed as ``safermk``)."""
from __future__ import annotations

import argparse
import sys

from .errors import SaferMKError


def _year(text: str) -> int | str:
    if text == "latest":
        return text
    if text.isdigit() and len(text) == 4 and 2010 <= int(text) <= 2100:
        return int(text)
    raise argparse.ArgumentTypeError(f"year must be a 4-digit start year (2024 = FY 2024/25) or 'latest', not {text!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m safermk_analysis",
                                 description="Community Safety Partnership strategic assessment from police.uk data.")
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the assessment notebooks and write HTML reports")
    run.add_argument("--config", action="append", default=None,
                     help="YAML config (default: data/config/milton_keynes.yaml); repeat for several areas")
    years = run.add_mutually_exclusive_group()
    years.add_argument("--year", type=_year, default=None,
                       help="start year of the assessment year (2024 = April 2024-March 2025 for a financial "
                            "year), or 'latest' complete year in the data (default: reporting.year in the config)")
    years.add_argument("--years", type=_year, nargs="+", default=None, help="several assessment years, e.g. 2023 2024")
    run.add_argument("--out", default="reports", help="output folder (default: reports)")
    run.add_argument("--audience", choices=["public", "restricted"], default=None,
                     help="edition (default: from the config)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing report for the same period")
    data = sub.add_parser("data", help="ingest police.uk files and print the data-quality summary")
    data.add_argument("--config", default=None)
    data.add_argument("--source", default=None, help="police.uk folder/zip/file (default: from the config)")
    data.add_argument("--area", default=None, help="LAD code or name (default: from the config)")
    args = ap.parse_args(argv)
    try:
        if args.command == "run":
            from .report import run_assessment
            configs = args.config or [None]
            years = args.years or [args.year]
            failed, errors = [], []
            for cfg in configs:
                for year in years:
                    try:
                        result = run_assessment(cfg, year, args.out, audience=args.audience, overwrite=args.overwrite)
                    except SaferMKError as err:  # one bad area or year does not stop the others
                        errors.append(f"{cfg or 'default config'}, year {year}: {err}")
                        print(f"error: {errors[-1]}", file=sys.stderr)
                        continue
                    failed += [f"{result.out_dir}/{s.notebook}" for s in result.sections if not s.ok]
            if failed:
                print(f"{len(failed)} notebook(s) failed: " + ", ".join(failed), file=sys.stderr)
                return 1
            return 2 if errors else 0
        if args.command == "data":
            from .config import load_config
            from .ingest import load_police_uk
            cfg = load_config(args.config)
            df = load_police_uk(args.source, area=args.area, config=cfg)
            q = df.attrs["quality"]
            print(q.summary())
            print(q.drops_table().to_string(index=False))
            for w in q.warnings:
                print("warning:", w)
            return 0
    except SaferMKError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
