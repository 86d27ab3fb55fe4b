#!/usr/bin/env python3
"""runqueue.py SECONDS: once a second, how long each bench process ran and how long it waited for a CPU.

For SipFlow (java ... run), every SIPp and MariaDB: on-CPU time and run-queue wait over the last second, summed over
the process's threads, from /proc/<pid>/task/*/schedstat; 100 % = one core-second per second. A process that waits
much longer than it runs is starved: on 2026-12-07 the SIPp UAC at 6,000 REGISTER/s ran 12-31 % and waited 60-88 %
behind 5-7 runnable SipFlow threads, and its socket overflowed (the ladder's gen_drop column).
Usage: bench/tools/runqueue.py 120 > runqueue.txt   (start it with the ladder)
"""
import glob
import os
import sys
import time


def bench_processes():
    found = {}
    for proc in glob.glob('/proc/[0-9]*'):
        try:
            argv = open(proc + '/cmdline', 'rb').read().split(b'\0')
        except OSError:
            continue
        if not argv or not argv[0]:
            continue
        exe = os.path.basename(argv[0].decode(errors='replace'))
        line = b' '.join(argv).decode(errors='replace')
        pid = proc.rsplit('/', 1)[1]
        if exe == 'sipp':
            role = 'uac' if 'uac' in line else 'uas' if 'uas' in line else 'sipp'
            found[proc] = role + pid
        elif exe == 'java' and 'sipflow' in line and ' run' in line:
            found[proc] = 'sipflow' + pid
        elif exe in ('mariadbd', 'mysqld'):
            found[proc] = 'db' + pid
    return found


def run_and_wait_ns(proc):
    run = wait = 0
    for path in glob.glob(proc + '/task/*/schedstat'):
        try:
            fields = open(path).read().split()
        except OSError:
            continue
        run += int(fields[0])
        wait += int(fields[1])
    return run, wait


def main():
    end = time.time() + float(sys.argv[1] if len(sys.argv) > 1 else 60)
    before = {}
    while time.time() < end:
        procs = bench_processes()
        now = {proc: run_and_wait_ns(proc) for proc in procs}
        parts = []
        for proc, name in sorted(procs.items(), key=lambda item: item[1]):
            if proc in before and now[proc][0] >= before[proc][0]:
                run = (now[proc][0] - before[proc][0]) / 1e7
                wait = (now[proc][1] - before[proc][1]) / 1e7
                parts.append(f'{name} run {run:4.0f}% wait {wait:4.0f}%')
        if parts:
            print(time.strftime('%T'), ' | '.join(parts), flush=True)
        before = now
        time.sleep(1)


if __name__ == '__main__':
    main()
