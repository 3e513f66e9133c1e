"""Measure `plugin-builder build` and `preview` against the targets in benchmarks/README.md.

Each measurement is a fresh process (imports included), timed by wall clock, with its
peak resident memory from ``os.wait4`` (Linux: KiB). The
table is written into benchmarks/README.md between the markers.

`build` is measured against the import floor, ``python -c "import sqlglot, jinja2, lxml.etree,
click"`` (what any build must import), in the same run: the two alternate, and the medians and
their ratio are reported (target: build at most 3 times the floor; the ratio of CPU times, user
plus system, is shown beside it: it varies less when other processes share the cores). The children may write
bytecode (PYTHONDONTWRITEBYTECODE is dropped, as an installed package has its .pyc files), and a
first build fills the Jinja bytecode cache; builds with an empty cache folder (median of 3) are
reported too.

    python benchmarks/run.py                 # build, preview at 5 000, 20 000, 50 000
    python benchmarks/run.py --sizes 5000    # a quicker look
    python benchmarks/run.py --sizes         # build and the floor only (the preview table is kept)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
BUILD_BEGIN, BUILD_END = "<!-- build:begin -->", "<!-- build:end -->"


def measure(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MiB, exit code, CPU seconds) of one command in a fresh process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        # os.wait4: this child's own resource usage (RUSAGE_CHILDREN would be the largest so far).
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            errors.seek(0)
            sys.stderr.write(errors.read().decode(errors="replace"))
    return wall, usage.ru_maxrss / 1024, code, usage.ru_utime + usage.ru_stime


FLOOR = "import sqlglot, jinja2, lxml.etree, click"


def child_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def build_against_floor(
    exe: str, work: Path, pairs: int
) -> list[tuple[str, str, tuple[float, float, int, float], str]]:
    """Rows for the import floor, `build` with the Jinja cache filled, and `build` with an empty one."""
    cache = work / "xdg-cache"
    env = child_environment(XDG_CACHE_HOME=str(cache))
    build = [exe, "build", "-o", str(work / "dist"), "--force"]
    measure(build, work, env)  # fills __pycache__ and the template cache
    floors, builds = [], []
    for _ in range(pairs):
        floors.append(measure([sys.executable, "-c", FLOOR], work, env))
        builds.append(measure(build, work, env))
    colds = []
    for i in range(3):
        cold_env = child_environment(XDG_CACHE_HOME=str(work / f"empty-cache-{i}"))
        colds.append(measure(build, work, cold_env))

    def median(runs: list[tuple[float, float, int, float]]) -> tuple[float, float, int, float]:
        return (
            statistics.median(r[0] for r in runs),
            max(r[1] for r in runs),
            max(r[2] for r in runs),
            statistics.median(r[3] for r in runs),
        )

    floor, warm, cold = median(floors), median(builds), median(colds)
    return [
        (f'python -c "{FLOOR}" (the floor, median of {pairs})', "-", floor, "-"),
        (
            f"build (whole catalogue, median of {pairs})",
            "-",
            warm,
            f"≤ 3 × floor: ×{warm[0] / floor[0]:.2f} (CPU ×{warm[3] / floor[3]:.2f})",
        ),
        (
            "build with an empty template cache (median of 3)",
            "-",
            cold,
            f"×{cold[0] / floor[0]:.2f} the floor (CPU ×{cold[3] / floor[3]:.2f})",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[5000, 20000, 50000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (the best is kept)")
    parser.add_argument("--pairs", type=int, default=15, help="floor and build runs, alternating (medians kept)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument(
        "--demo",
        type=int,
        default=0,
        metavar="N",
        help="also preview the test demo project (tests/fixtures/preview_project: the catalogue plus demo queries) at N students",
    )
    options = parser.parse_args()
    exe = shutil.which("plugin-builder", path=str(Path(sys.executable).parent)) or "plugin-builder"
    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(REPO / "plugin.toml", work / "plugin.toml")
        rows.extend(build_against_floor(exe, work, options.pairs))
        for size in sorted(options.sizes):
            best = min(
                (
                    measure(
                        [exe, "preview", "--students", str(size), "-o", str(work / f"preview-{size}"), "--quiet"], work
                    )
                    for _ in range(options.repeat)
                ),
                key=lambda r: r[0],
            )
            rows.append(("preview", f"{size:,}", best, "< 30 s" if size == 50000 else "linear"))
        if options.demo:
            demo = REPO / "tests" / "fixtures" / "preview_project" / "plugin.toml"
            best = measure(
                [exe, "preview", "-c", str(demo), "--students", str(options.demo), "-o", str(work / "demo"), "--quiet"],
                work,
            )
            rows.append(
                (
                    "preview -c tests/fixtures/preview_project/plugin.toml",
                    f"{options.demo:,}",
                    best,
                    "(indication: all four output kinds)",
                )
            )
    cpu = platform.processor() or platform.machine()
    header = (
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.system()} {cpu}, "
        f"{os.cpu_count()} CPUs (shared), Python {platform.python_version()}, load average before "
        f"{load_before:.1f}, after {os.getloadavg()[0]:.1f}.\n\n"
        "| command | students | wall time | peak memory | exit | target |\n|---|---:|---:|---:|---:|---|\n"
    )

    def table_of(selected: list) -> str:
        return header + "".join(
            f"| `{name}` | {size} | {wall:.2f} s | {peak:.0f} MiB | {code} | {target} |\n"
            for name, size, (wall, peak, code, *_cpu), target in selected
        )

    build_table = table_of(rows[:3])
    table = table_of(rows[3:]) if len(rows) > 3 else ""
    previews = [(int(size.replace(",", "")), wall) for name, size, (wall, *_), _t in rows if name == "preview"]  # fmt: skip
    if len(previews) >= 2:
        (n0, t0), (n1, t1) = previews[0], previews[-1]
        table += f"\nGrowth {n0:,} → {n1:,} students: ×{t1 / t0:.1f} time for ×{n1 / n0:.0f} students.\n"
    print(build_table + ("\n" + table if table else ""))
    if not options.no_write:
        text = README.read_text(encoding="utf-8")
        blocks = [(BUILD_BEGIN, BUILD_END, build_table)] + ([(BEGIN, END, table)] if table else [])
        for begin, end, content in blocks:
            text = re.sub(
                re.escape(begin) + ".*?" + re.escape(end), lambda _m: f"{begin}\n{content}{end}", text, flags=re.S
            )
        README.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
