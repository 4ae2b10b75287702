"""BeltGraph benchmarks: prints tables and rewrites bench/RESULTS.md.

    python bench/run.py [load] [rank] [paths] [neo4j] [--scales 0.1 1]

Each benchmark owns one section of RESULTS.md (between its markers), so running one
keeps the others. Timings are wall-clock on this machine in one run; ratios measured
in the same run are the numbers to compare, since the machines are noisy.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/: its modules must not shadow packages

from bench.common import OUT, RESULTS, write_section  # noqa: E402

BENCHES = ("load", "rank", "paths", "neo4j", "search", "export")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=list(BENCHES))
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1.0])
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for name in args.which:
        if name not in BENCHES:
            sys.exit(f"unknown benchmark {name!r}: one of {', '.join(BENCHES)}")
        body = importlib.import_module(f"bench.bench_{name}").run(args.scales)
        write_section(name, body)
        print(f"\nwrote the {name} section of {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
