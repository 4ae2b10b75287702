"""BeltGraph benchmarks: prints tables and rewrites bench/RESULTS.md.

    python bench/run.py [load] [rank] [paths] [neo4j] [search] [--scales 0.1 1]
    python bench/run.py summary --scale S [--scale S2 ...] [--json] [--skip neo4j,web,networkx,cold]

Each benchmark owns one section of RESULTS.md (between its markers), so running one
keeps the others. Timings are wall-clock on this machine in one run; ratios measured
in the same run are the numbers to compare, since the machines are noisy.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/: its modules must not shadow packages

from bench.common import OUT, RESULTS, write_section  # noqa: E402

BENCHES = ("load", "rank", "paths", "neo4j", "search", "export", "web", "hold", "summary")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=[b for b in BENCHES if b != "summary"])
    parser.add_argument("--scales", nargs="+", type=float, default=None)
    parser.add_argument("--scale", action="append", type=float, help="summary: a scale (repeatable)")
    parser.add_argument("--json", action="store_true", help="summary: print one JSON object last")
    parser.add_argument("--skip", default="", help="summary: parts not to measure (neo4j,web,networkx,cold)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if "summary" in args.which:
        if args.which != ["summary"]:
            sys.exit("run the summary on its own: python bench/run.py summary --scale S")
        return summary(args)
    args.scales = args.scales or [0.1, 1.0]
    for name in args.which:
        if name not in BENCHES:
            sys.exit(f"unknown benchmark {name!r}: one of {', '.join(BENCHES)}")
        body = importlib.import_module(f"bench.bench_{name}").run(args.scales)
        write_section(name, body)
        print(f"\nwrote the {name} section of {RESULTS}")


def summary(args) -> None:
    from bench.bench_summary import SKIPPABLE, run

    skip = {x for x in args.skip.split(",") if x}
    if skip - set(SKIPPABLE):
        sys.exit(f"--skip takes {', '.join(SKIPPABLE)}")
    body, out = run(args.scale or args.scales or [0.01], skip)
    write_section("summary", body)
    print(body.split("\n\n", 2)[-1])
    print(f"\nwrote the summary section of {RESULTS}", file=sys.stderr)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
