#!/usr/bin/env python3
"""The ratio table of tools/bench/side_by_side.sh, from the RESULT lines of
its sub-scripts (files given as arguments, or stdin).

  RESULT workload=W [peer=P] [round=R] ours_rps=X peer_rps=Y ours_cpu_us=A peer_cpu_us=B
  RESULT workload=W peer=P round=R ours_bytes_per_conn=X peer_bytes_per_conn=Y
  SKIP workload=W reason=free text

Every RESULT line is one round: ours and the peer measured back to back.
Throughput is the median of the per-round ratios ours/peer; CPU per request
the medians of each side. peer=raw lines are the raw floor: they fill the
"ours / raw floor" column of their workload's rows instead of a row; for
a workload with one call in flight (*_1x1) that column also gives the round
trip's gap to the floor in microseconds.
Lines without peer= (tools/bench/http_vs_nginx.sh) are against nginx.
"""
import collections
import re
import statistics
import sys

FIELD = re.compile(r'(\w+)=(\S+)')


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def ratio(a, b):
    return a / b if a is not None and b else None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=2):
    return '—' if value is None else f'{value:.{digits}f}'


def main():
    results = collections.OrderedDict()  # (workload, peer) -> [fields]
    skips = collections.OrderedDict()
    files = [open(p) for p in sys.argv[1:]] or [sys.stdin]
    for f in files:
        for line in f:
            line = line.strip()
            if line.startswith('RESULT '):
                fields = dict(FIELD.findall(line))
                key = (fields.get('workload', '?'), fields.get('peer', 'nginx'))
                results.setdefault(key, []).append(fields)
            elif line.startswith('SKIP '):
                workload = re.search(r'workload=(\S+)', line)
                reason = line.split('reason=', 1)[-1]
                skips[workload.group(1) if workload else '?'] = reason

    workloads = list(dict.fromkeys(w for w, _ in results))
    print('| workload | peer | ours / peer throughput (per round) | server CPU µs per request, '
          'ours / peer | ours / raw floor |')
    print('|---|---|---|---|---|')
    for workload in workloads:
        raw = results.get((workload, 'raw'), [])
        floor = median(ratio(number(r.get('ours_rps')), number(r.get('peer_rps'))) for r in raw)
        floor_text = fmt(floor) + '×' if floor is not None else '—'
        if workload.endswith('_1x1') and raw:
            # One call in flight: 1/rate is the round trip, so the gap to the
            # floor in microseconds is the "within 5 µs" figure.
            gap = median(1e6 / number(r['ours_rps']) - 1e6 / number(r['peer_rps'])
                         for r in raw if number(r.get('ours_rps')) and number(r.get('peer_rps')))
            if gap is not None:
                floor_text += f' ({gap:+.1f} µs per call)'
        peers = [p for w, p in results if w == workload and p != 'raw'] or ['raw']
        for peer in peers:
            rows = results[(workload, peer)]
            if 'ours_bytes_per_conn' in rows[0]:
                per = [ratio(number(r.get('ours_bytes_per_conn')),
                             number(r.get('peer_bytes_per_conn'))) for r in rows]
                ours = median(number(r.get('ours_bytes_per_conn')) for r in rows)
                theirs = median(number(r.get('peer_bytes_per_conn')) for r in rows)
                print(f'| {workload} | {peer} | {fmt(median(per))}× bytes per idle connection '
                      f'({", ".join(fmt(x) for x in per)}; lower is better) | '
                      f'{fmt(ours, 0)} B / {fmt(theirs, 0)} B per connection | — |')
                continue
            per = [ratio(number(r.get('ours_rps')), number(r.get('peer_rps'))) for r in rows]
            ours_cpu = median(number(r.get('ours_cpu_us')) for r in rows)
            peer_cpu = median(number(r.get('peer_cpu_us')) for r in rows)
            ours_rps = median(number(r.get('ours_rps')) for r in rows)
            peer_rps = median(number(r.get('peer_rps')) for r in rows)
            label = 'raw floor' if peer == 'raw' else peer
            # The load generator's own CPU per request (http_vs_nginx.sh):
            # where it is above the server's, the client was the limit.
            client = ''
            if 'ours_client_cpu_us' in rows[0]:
                ours_client = median(number(r.get('ours_client_cpu_us')) for r in rows)
                peer_client = median(number(r.get('peer_client_cpu_us')) for r in rows)
                client = f'; client {fmt(ours_client)} / {fmt(peer_client)}'
            print(f'| {workload} | {label} | {fmt(median(per))}× ({", ".join(fmt(x) for x in per)}; '
                  f'{fmt(ours_rps, 0)} / {fmt(peer_rps, 0)} per s) | {fmt(ours_cpu)} / '
                  f'{fmt(peer_cpu)} ({fmt(ratio(ours_cpu, peer_cpu))}×{client}) | {floor_text} |')
    for workload, reason in skips.items():
        print(f'| {workload} | — | skipped: {reason} | — | — |')


if __name__ == '__main__':
    main()
