#!/usr/bin/env python3
"""Medians of per-round ratios from tools/kv_bench/run.sh's output."""
import collections
import re
import statistics
import sys

LINE = re.compile(r'(.*?) round=\d+ kv=\[([\d.]+) ([\d.]+)\] redis=\[([\d.]+) ([\d.]+)\]')
SYNCS = re.compile(r'kv_fdatasyncs=(\d+) requests=(\d+)')
rows = collections.defaultdict(list)
per_sync = collections.defaultdict(list)  # requests per fdatasync, SET only
for line in open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin:
    m = LINE.match(line.strip())
    if m:
        kv, kvcpu, redis, rcpu = map(float, m.groups()[1:])
        rows[m.group(1)].append((kv, kvcpu, redis, rcpu))
        s = SYNCS.search(line)
        if s and ' SET ' in m.group(1) and int(s.group(1)) > 0:
            per_sync[m.group(1)].append(int(s.group(2)) / int(s.group(1)))
for label, v in rows.items():
    med = lambda f: statistics.median(f(x) for x in v)
    print(f"{label}: kv/redis throughput {med(lambda x: x[0] / x[2]):.2f} "
          f"(rounds {', '.join(f'{x[0] / x[2]:.2f}' for x in v)}); "
          f"kv {med(lambda x: x[0]):.0f}/s {med(lambda x: x[1]):.1f} us CPU/req, "
          f"redis {med(lambda x: x[2]):.0f}/s {med(lambda x: x[3]):.1f} us CPU/req"
          + (f"; kv {statistics.median(per_sync[label]):.1f} requests per fdatasync"
             if per_sync[label] else ""))
