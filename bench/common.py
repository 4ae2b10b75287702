"""Helpers shared by the benchmarks."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Generated bundles, stores and servers; and the results file (both movable for a smoke test).
OUT = Path(os.environ.get("BELTGRAPH_BENCH_OUT") or ROOT / "bench" / "out")
RESULTS = Path(os.environ.get("BELTGRAPH_BENCH_RESULTS") or ROOT / "bench" / "RESULTS.md")
sys.path.insert(0, str(ROOT))


def peak_rss(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run a command in a fresh process and return (seconds, its own peak RSS MiB, stdout)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {err.read().decode()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read().decode()


def beltgraph(*args: str) -> list[str]:
    return [sys.executable, "-m", "beltgraph", *args]


def bundle(scale: float) -> Path:
    path = OUT / f"bundle-{scale:g}"
    if not (path / "facts" / "livestreams.csv").exists():
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run(beltgraph("generate", "--scale", str(scale), "--seed", "7", "-o", str(path)),
                       check=True, cwd=ROOT, capture_output=True)
    return path


def store_for(scale: float) -> Path:
    return OUT / f"store-{scale:g}"


def table(headers: list[str], rows: list[list]) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows])


def write_section(name: str, body: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    stamp = f"_{dt.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}_"
    block = f"{begin}\n{body}\n\n{stamp}\n{end}"
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def env_for(store: Path) -> dict:
    return {**os.environ, "BELTGRAPH_DATA": str(store)}




def median_ms(fn, repeat: int = 5) -> float:
    """Median wall time of ``repeat`` calls, in milliseconds."""
    import statistics

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)
