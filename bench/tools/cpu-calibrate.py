#!/usr/bin/env python3
"""How much CPU this VM gives right now, so that bench figures of different days can be compared.

Runs the same busy loop for SECONDS on one core, then on two at once, and prints one line:
loop iterations per second alone and side by side (on a shared host the second vCPU is often
slower, or both are), and how many times a running loop saw the clock jump over 5 ms (the vCPU was
not scheduled: host contention or throttling; SIP answers wait as long). Python, so it measures the
interpreter's loop, not Java: compare it only with the same line of other runs.
usage: cpu-calibrate.py [SECONDS]   (default 3)
"""
import multiprocessing
import sys
import time


def loop(seconds, out):
    now = time.perf_counter
    end = now() + seconds
    last = now()
    count = stalls = 0
    worst = 0.0
    while True:
        t = now()
        gap = t - last
        if gap > 0.005:
            stalls += 1
            worst = max(worst, gap)
        last = t
        count += 1
        if t >= end:
            break
    out.put((count / seconds, stalls, worst * 1000))


def run(seconds, parallel):
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=loop, args=(seconds, out)) for _ in range(parallel)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return sorted(results, reverse=True)


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    alone = run(seconds, 1)[0]
    both = run(seconds, 2)
    print("# VM calibration (%.0f s busy loops): 1 core %.1f M it/s; 2 cores %.1f + %.1f M it/s; "
          "stalls > 5 ms alone %d, side by side %d (worst %.0f ms)"
          % (seconds, alone[0] / 1e6, both[0][0] / 1e6, both[1][0] / 1e6, alone[1],
             both[0][1] + both[1][1], max(both[0][2], both[1][2])))
