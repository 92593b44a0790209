#!/usr/bin/env python3
"""Medians of per-round ratios from tools/kv_bench/run.sh's output."""
import collections
import re
import statistics
import sys

LINE = re.compile(r'(.*?) round=\d+ kv=\[([\d.]+) ([\d.]+)\] redis=\[([\d.]+) ([\d.]+)\]')
rows = collections.defaultdict(list)
for line in open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin:
    m = LINE.match(line.strip())
    if m:
        kv, kvcpu, redis, rcpu = map(float, m.groups()[1:])
        rows[m.group(1)].append((kv, kvcpu, redis, rcpu))
for label, v in rows.items():
    med = lambda f: statistics.median(f(x) for x in v)
    print(f"{label}: kv/redis throughput {med(lambda x: x[0] / x[2]):.2f} "
          f"(rounds {', '.join(f'{x[0] / x[2]:.2f}' for x in v)}); "
          f"kv {med(lambda x: x[0]):.0f}/s {med(lambda x: x[1]):.1f} us CPU/req, "
          f"redis {med(lambda x: x[2]):.0f}/s {med(lambda x: x[3]):.1f} us CPU/req")
