#!/usr/bin/env python3
"""Where a 1 x 1 RPC round trip goes, ours against the raw floor.

The round trip of one connection with one call in flight is mostly waiting
for a halted CPU to wake, which varies by tens of microseconds from round to
round on a loaded machine, so a difference of calls/s between two runs says
little. This tool measures what does not depend on the load:

  counts   per call and per thread, over a one-second window: voluntary and
           involuntary context switches, read-like and write-like syscalls
           (/proc/<pid>/task/*/io) and minor faults, for server and client.
           A call is one write of the server.
  trace    the syscall and scheduler tracepoints of both processes
           (perf record -a), split into four pieces per round trip:
             K1  client write called -> server's epoll_wait returns
             S   server's epoll_wait returns -> its write called
             K2  server write called -> client's epoll_wait returns
             C   client's epoll_wait returns -> its write called
           S and C are the work on the critical path (user code plus the
           read); K1 and K2 are the kernel's delivery and the wake-up.
  callgrind instructions per call of one side, split at its syscalls into
           "epoll_wait returns -> write" (the critical path), the write, and
           "write returns -> epoll_wait returns" (work done while the peer
           runs).

Server on core 0, client on core 1 (taskset), 6-byte payloads, like
tools/bench/rpc_echo_vs_peers.sh's rpc_1x1. Needs perf and valgrind; the
trace needs root (system-wide tracepoints).

  tools/bazel build --config=opt //tools/rpc_bench:rpc_bench_server \
      //tools/rpc_bench:rpc_bench //tools/bench/raw_floor:raw_floor_server \
      //tools/bench/raw_floor:raw_floor_client
  tools/rpc_bench/latency_breakdown.py --bin=DIR [--what=counts,trace,callgrind]
      [--sides=ours,raw] [--busy_poll_us=0]

DIR holds the four binaries (default: bazel-bin, found per binary).
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BINARIES = {
    'rpc_bench_server': 'tools/rpc_bench',
    'rpc_bench': 'tools/rpc_bench',
    'raw_floor_server': 'tools/bench/raw_floor',
    'raw_floor_client': 'tools/bench/raw_floor',
}
SYS_READ, SYS_WRITE, SYS_READV, SYS_EPOLL_WAIT = 0, 1, 19, 232


def binary(args, name):
    if args.bin:
        return os.path.join(args.bin, name)
    return os.path.join('bazel-bin', BINARIES[name], name)


class Pair:
    """A server on core 0 and a 1 x 1 client on core 1, for one side."""

    def __init__(self, args, side, seconds, server_wrap=(), client_wrap=()):
        self.tmp = tempfile.mkdtemp(prefix='latency_breakdown.')
        log = open(os.path.join(self.tmp, 'server.log'), 'w')
        if side == 'ours':
            cmd = [binary(args, 'rpc_bench_server'), '--port=0', '--io_threads=0',
                   f'--busy_poll_us={args.busy_poll_us}']
        else:
            cmd = [binary(args, 'raw_floor_server'), '--mode=mrpc', '--port=0']
        self.server = subprocess.Popen(['taskset', '-c', '0', *server_wrap, *cmd], stdout=log,
                                       stderr=subprocess.DEVNULL)
        port = None
        for _ in range(300):
            m = re.search(r'listening on [0-9.]+:(\d+)', open(log.name).read())
            if m:
                port = m.group(1)
                break
            time.sleep(0.1)
        if port is None:
            self.stop()
            sys.exit(f'latency_breakdown: the {side} server did not start')
        if side == 'ours':
            cmd = [binary(args, 'rpc_bench'), f'--port={port}', '--connections=1',
                   '--outstanding=1', '--payload=6', '--threads=1', f'--seconds={seconds}',
                   f'--busy_poll_us={args.busy_poll_us}']
        else:
            cmd = [binary(args, 'raw_floor_client'), '--mode=mrpc', f'--port={port}',
                   '--connections=1', '--outstanding=1', '--payload=6', f'--seconds={seconds}']
        self.client = subprocess.Popen(['taskset', '-c', '1', *client_wrap, *cmd],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def finish(self):
        out = self.client.communicate()[0]
        self.stop()
        return out

    def stop(self):
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def snapshot(pids):
    out = {}
    for pid in pids:
        for tid in os.listdir(f'/proc/{pid}/task'):
            d = f'/proc/{pid}/task/{tid}'
            try:
                status = dict(line.split(':', 1) for line in open(d + '/status'))
                io = dict(line.split(':', 1) for line in open(d + '/io'))
                stat = open(d + '/stat').read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            out[(pid, tid)] = dict(name=status['Name'].strip(),
                                   vol=int(status['voluntary_ctxt_switches']),
                                   invol=int(status['nonvoluntary_ctxt_switches']),
                                   reads=int(io['syscr']), writes=int(io['syscw']),
                                   minflt=int(stat[7]))
    return out


def counts(args, side):
    pair = Pair(args, side, seconds=3)
    time.sleep(1.2)  # past rpc_bench's warm-up
    before = snapshot([pair.server.pid, pair.client.pid])
    time.sleep(1)
    after = snapshot([pair.server.pid, pair.client.pid])
    pair.finish()
    calls = sum(after[k]['writes'] - before[k]['writes'] for k in after
                if k in before and k[0] == pair.server.pid)
    print(f'{side}: {calls} calls in the window; per call and thread:')
    for k in sorted(after):
        if k not in before:
            continue
        delta = {f: (after[k][f] - before[k][f]) / max(calls, 1)
                 for f in ('vol', 'invol', 'reads', 'writes', 'minflt')}
        if all(abs(v) < 0.0005 for v in delta.values()):
            continue  # idle threads (the server's slow-call workers, say)
        who = 'server' if k[0] == pair.server.pid else 'client'
        print(f"  {who} {after[k]['name']:16s} " +
              ' '.join(f'{f} {v:.3f}' for f, v in delta.items()))


def trace(args, side):
    pair = Pair(args, side, seconds=3)
    time.sleep(1.2)
    data = os.path.join(pair.tmp, 'perf.data')
    subprocess.run(['perf', 'record', '-q', '-a', '-o', data, '-e',
                    'raw_syscalls:sys_enter,raw_syscalls:sys_exit', '--', 'sleep', '0.5'],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    script = subprocess.run(['perf', 'script', '--ns', '-i', data, '-F', 'pid,tid,time,event,trace'],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    server_pid, client_pid = pair.server.pid, pair.client.pid
    # taskset execs the benchmark in place, so the pids are the benchmarks'.
    pair.finish()
    marks = []
    for line in script.splitlines():
        m = re.match(r'\s*(\d+)/(\d+)\s+([\d.]+):\s+raw_syscalls:sys_(enter|exit):\s*NR (\d+)', line)
        if not m:
            continue
        pid, kind, nr = int(m.group(1)), m.group(4), int(m.group(5))
        if pid not in (server_pid, client_pid):
            continue
        if (kind == 'enter' and nr == SYS_WRITE) or (kind == 'exit' and nr == SYS_EPOLL_WAIT):
            marks.append((float(m.group(3)) * 1e6, 'S' if pid == server_pid else 'C', kind))
    marks.sort()
    order = [('C', 'enter'), ('S', 'exit'), ('S', 'enter'), ('C', 'exit'), ('C', 'enter')]
    names = ['K1 client write -> server wakes', 'S  server wakes -> its write',
             'K2 server write -> client wakes', 'C  client wakes -> its write']
    pieces = {n: [] for n in names + ['round trip']}
    i = 0
    while i + 4 < len(marks):
        if [m[1:] for m in marks[i:i + 5]] != order:
            i += 1
            continue
        t = [m[0] for m in marks[i:i + 5]]
        for n, a, b in zip(names, t, t[1:]):
            pieces[n].append(b - a)
        pieces['round trip'].append(t[4] - t[0])
        i += 4
    print(f'{side}: {len(pieces["round trip"])} round trips traced (µs, median and p25):')
    for n, v in pieces.items():
        if v:
            q = statistics.quantiles(v, n=4)[0] if len(v) > 1 else v[0]
            print(f'  {n:34s} {statistics.median(v):7.2f} {q:7.2f}')


def callgrind(args, side, who):
    tmp = tempfile.mkdtemp(prefix='latency_breakdown.cg.')
    wrap = ('valgrind', '--tool=callgrind', '--dump-before=write', '--dump-after=write',
            '--dump-after=epoll_wait', f'--callgrind-out-file={tmp}/cg')
    pair = Pair(args, side, seconds=4, server_wrap=wrap if who == 'server' else (),
                client_wrap=wrap if who == 'client' else ())
    pair.finish()
    names = {'--dump-before=write': 'epoll_wait returns -> write',
             '--dump-after=write': 'write',
             '--dump-after=epoll_wait': 'write returns -> epoll_wait returns'}
    segments = {}
    for f in glob.glob(tmp + '/cg*'):
        text = open(f).read()
        trigger = re.search(r'^desc: Trigger: (.*)$', text, re.M)
        total = re.search(r'^totals: (\d+)', text, re.M) or re.search(r'^summary: (\d+)', text,
                                                                        re.M)
        if trigger and total and trigger.group(1) in names:
            segments.setdefault(names[trigger.group(1)], []).append(int(total.group(1)))
    shutil.rmtree(tmp, ignore_errors=True)
    print(f'{side} {who}: instructions per call (median over calls):')
    for n in names.values():
        if n in segments:
            print(f'  {n:38s} {statistics.median(segments[n]):7.0f}  ({len(segments[n])} calls)')


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--bin', default='')
    parser.add_argument('--what', default='counts,trace,callgrind')
    parser.add_argument('--sides', default='ours,raw')
    parser.add_argument('--busy_poll_us', type=int, default=0)
    args = parser.parse_args()
    for what in args.what.split(','):
        for side in args.sides.split(','):
            if what == 'counts':
                counts(args, side)
            elif what == 'trace':
                trace(args, side)
            elif what == 'callgrind':
                callgrind(args, side, 'server')
                callgrind(args, side, 'client')
            else:
                sys.exit(f'latency_breakdown: unknown --what {what}')


if __name__ == '__main__':
    main()
