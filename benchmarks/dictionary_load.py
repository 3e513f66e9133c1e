"""Measure loading the shipped PowerSchool dictionary (741 tables), alone, in fresh processes.

    python benchmarks/dictionary_load.py [RUNS]

Each run imports plugin_builder.sql.dictionary in a new interpreter and times only
``powerschool_dictionary()`` (decompress, parse, build the lookup maps), which every
``validate``/``build``/``lint`` pays once. Prints the median and the spread.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

PROBE = """
import time
import plugin_builder.sql.dictionary as d
start = time.perf_counter()
dictionary = d.powerschool_dictionary()
print(time.perf_counter() - start, len(dictionary.tables))
"""


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout.split()
        times.append(float(out[0]))
        tables = int(out[1])
    print(
        f"dictionary load ({tables} tables): median {statistics.median(times) * 1000:.1f} ms, "
        f"min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms over {runs} fresh processes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
