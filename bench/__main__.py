"""`python -m bench [NAME ...] [--smoke]`: run scenarios in a scratch database, print a table of
figure, value, target and pass/fail, and write the same to bench/results.json."""

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from .core import SCENARIOS, Figure, scratch_database, setup_django

RESULTS = Path(__file__).with_name("results.json")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"scenarios (default: all): {', '.join(SCENARIOS)}")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the scripts still work")
    args = parser.parse_args(argv)
    setup_django()
    from . import routed, scenarios  # noqa: F401 - registers the scenarios

    unknown = set(args.names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    figures: list[Figure] = []
    with scratch_database() as vendor:
        for name in args.names or SCENARIOS:
            print(f"running {name} ({'smoke' if args.smoke else 'full'}) on {vendor} ...", flush=True)
            figures += SCENARIOS[name](args.smoke)
    print(f"\n{'scenario':<20} {'figure':<46} {'value':>12} {'unit':<8} {'target':<10} result")
    for f in figures:
        print(f"{f.scenario:<20} {f.name:<46} {f.value:>12,} {f.unit:<8} {f.target:<10} {'pass' if f.ok else 'FAIL'}")
    report = {
        "taken_at": datetime.now(UTC).isoformat(),
        "database": vendor,
        "smoke": args.smoke,
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "figures": [f.as_dict() for f in figures],
    }
    if not args.smoke:
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
