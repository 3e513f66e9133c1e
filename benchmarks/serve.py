"""Measure `plugin-builder serve` against its targets.

Starts ``plugin-builder serve --students N`` in a fresh process on a free port, then over HTTP:

- the first 100-row page of ``one_roster_users`` (it computes the query's result once);
- the median (and 90th percentile) latency of 100-row pages after warm-up, over pages spread
  through the result (target: under 50 ms at 50 000 students);
- ``pagesize=0``: every user streamed, timed to the last byte (target: under 10 s), with the
  server's resident memory before and its peak during the stream (``/proc/<pid>/status``:
  VmRSS, then VmHWM after resetting it through ``/proc/<pid>/clear_refs``).

The table goes into benchmarks/README.md between the serve markers.

    python benchmarks/serve.py                       # 50 000 students
    python benchmarks/serve.py --sizes 50000 100000  # and the largest district
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
README = Path(__file__).resolve().parent / "README.md"
BEGIN, END = "<!-- serve:begin -->", "<!-- serve:end -->"
USERS = "us.ca.k12.exampleusd.rostering.one_roster_users"


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def run(students: int, pages: int, work: Path) -> dict:
    config = work / "plugin.toml"
    config.write_text(
        (REPO / "plugin.toml").read_text(encoding="utf-8").replace("oauth = false", "oauth = true", 1), encoding="utf-8"
    )
    exe = shutil.which("plugin-builder", path=str(Path(sys.executable).parent)) or "plugin-builder"
    started = time.perf_counter()
    process = subprocess.Popen(
        [exe, "serve", "-c", str(config), "--students", str(students), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        info = {}
        while len(info) < 3:
            line = process.stdout.readline()
            if not line:
                raise SystemExit("serve exited before printing its URL")
            key, _, value = line.partition(":")
            if key in ("base URL", "client id", "client secret"):
                info[key] = value.strip()
        startup = time.perf_counter() - started
        client = httpx.Client(base_url=info["base URL"], timeout=600)
        token = client.post(
            "/oauth/access_token",
            auth=(info["client id"], info["client secret"]),
            data={"grant_type": "client_credentials"},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        url = f"/ws/schema/query/{USERS}"

        clock = time.perf_counter()
        first = client.post(url, json={}, headers=headers, params={"count": "true"})
        first_page = time.perf_counter() - clock
        total = first.json()["count"]
        last_page = max(1, (total + 99) // 100)
        for page in range(1, 11):  # warm-up
            client.post(url, json={}, headers=headers, params={"page": page})
        latencies = []
        for i in range(pages):
            page = 1 + (i * 7919) % last_page  # spread through the result, deep pages included
            clock = time.perf_counter()
            answer = client.post(url, json={}, headers=headers, params={"page": page})
            latencies.append((time.perf_counter() - clock) * 1000)
            assert answer.status_code == 200 and len(answer.json()["record"]) == (
                100 if page < last_page else total - 100 * (last_page - 1)
            )
        rss_before, _ = memory(process.pid)
        try:  # reset the peak, so that VmHWM afterwards is the peak during the stream
            Path(f"/proc/{process.pid}/clear_refs").write_text("5")
        except OSError:
            pass

        clock = time.perf_counter()
        size = 0
        with client.stream("POST", url, json={}, headers=headers, params={"pagesize": 0}) as answer:
            for chunk in answer.iter_bytes():
                size += len(chunk)
        streamed = time.perf_counter() - clock
        rss_after, peak = memory(process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    latencies.sort()
    return {
        "students": students,
        "rows": total,
        "startup": startup,
        "first_page": first_page * 1000,
        "median": statistics.median(latencies),
        "p90": latencies[int(len(latencies) * 0.9) - 1],
        "stream": streamed,
        "stream_mib": size / 1024 / 1024,
        "rss_before": rss_before,
        "rss_after": rss_after,
        "peak": peak,
    }


def table(results: list[dict]) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {now} on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs (shared), Python {platform.python_version()}.",
        "",
        "| students | users | start (data + render) | first page | 100-row page, median (p90) | `pagesize=0`, all users | streamed | server memory before → peak while streaming |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['students']:,} | {r['rows']:,} | {r['startup']:.1f} s | {r['first_page']:.0f} ms | "
            f"{r['median']:.1f} ms ({r['p90']:.1f} ms) | {r['stream']:.2f} s | {r['stream_mib']:.0f} MiB | "
            f"{r['rss_before']:.0f} → {r['peak']:.0f} MiB |"
        )
    lines += [
        "",
        "Targets: 100-row page < 50 ms median after warm-up at 50,000 students; `pagesize=0` < 10 s, bounded memory.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[50000])
    parser.add_argument("--pages", type=int, default=100, help="timed page requests after warm-up")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    options = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for students in options.sizes:
            results.append(run(students, options.pages, Path(tmp)))
            print(results[-1], file=sys.stderr)
    text = table(results)
    print(text)
    if not options.no_write:
        readme = README.read_text(encoding="utf-8")
        if BEGIN in readme:
            readme = re.sub(
                re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: f"{BEGIN}\n{text}\n{END}", readme, flags=re.S
            )
            README.write_text(readme, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
