#!/usr/bin/env python3
"""Regenerates trace.csv, the quick-start trace (standard library only, seeded).

24 tenants of a streaming service over 3 days at 5-minute steps:
- 3 head tenants (8 to 16 cores) and 21 tail tenants (0.5 to 4 cores);
- daily seasonality with a per-tenant phase from two time zones (two thirds at UTC, one third at UTC+8)
  and a per-tenant amplitude, plus AR(1) noise;
- memory steady at 40-70% of spec, disk bandwidth following produce traffic;
- churn: tail-19 arrives on day 2, tail-20 leaves after day 2;
- one noisy tenant, `tail-07-noisy`, idles at ~15% of its spec and may burst to its whole spec
  (cpu, memory and disk) for one to two hours, a burst starting with probability 1/250 a step;
  with this seed no burst starts in the 864 steps, so in trace.csv it only idles (peak 45% of
  its cpu spec).

Spec and class are written on a tenant's first row only; later rows leave them empty
(the trace format keeps the previous value).

Run: python3 make_trace.py > trace.csv
"""
import math
import random

STEP = 300
DAYS = 3
STEPS = DAYS * 24 * 3600 // STEP
rng = random.Random(20261124)

tenants = []
for i, cpu in enumerate([16, 12, 8]):
    tenants.append(dict(id=f"head-{i + 1:02d}", cpu=cpu, cls="premium"))
tail_sizes = [0.5, 1, 1, 2, 2, 2, 6, 4, 1, 2, 4, 0.5, 1, 2, 4, 2, 1, 4, 2, 1, 2]
for i, cpu in enumerate(tail_sizes):
    name = f"tail-{i + 1:02d}" + ("-noisy" if i + 1 == 7 else "")
    tenants.append(dict(id=name, cpu=cpu, cls="standard"))

zones = [0, 0, 8]
for k, t in enumerate(tenants):
    t["mem"] = 4 * t["cpu"]
    t["disk"] = 25 * t["cpu"]
    t["phase"] = zones[k % 3] * 3600
    t["mean"] = rng.uniform(0.3, 0.5)
    t["amp"] = rng.uniform(0.5, 0.9)
    t["mem_use"] = rng.uniform(0.4, 0.7)
    t["noise"] = 0.0
    t["start"] = 0
    t["stop"] = STEPS
    t["burst"] = 0
tenants[3 + 18]["start"] = 288  # tail-19 arrives on day 2
tenants[3 + 19]["stop"] = 2 * 288  # tail-20 leaves after day 2
noisy = tenants[3 + 6]
noisy["mean"], noisy["amp"] = 0.15, 0.1

print("time,tenant,cpu,memory,disk,spec_cpu,spec_memory,spec_disk,class")
for s in range(STEPS):
    time = s * STEP
    for t in tenants:
        if not (t["start"] <= s < t["stop"]):
            continue
        local = (time + t["phase"]) % 86400
        # peak at 14:00 local time, trough at 02:00
        day = math.cos(2 * math.pi * (local - 14 * 3600) / 86400)
        t["noise"] = 0.8 * t["noise"] + rng.gauss(0, 0.05)
        use = t["mean"] * (1 + t["amp"] * day) + t["noise"]
        mem = t["mem_use"] + 0.05 * day
        if t is noisy:
            if t["burst"] == 0 and rng.random() < 1 / 250:
                t["burst"] = rng.randint(12, 24)
            if t["burst"] > 0:
                t["burst"] -= 1
                use, mem = 1.0, 0.98
        use = min(max(use, 0.01), 1.0)
        cpu = round(t["cpu"] * use, 3)
        memory = round(t["mem"] * min(max(mem, 0.05), 1.0), 3)
        disk = round(t["disk"] * min(max(use * 0.9 + rng.gauss(0, 0.03), 0.0), 1.0), 2)
        first = s == t["start"]
        spec = f'{t["cpu"]},{t["mem"]},{t["disk"]},{t["cls"]}' if first else ",,,"
        print(f"{time},{t['id']},{cpu},{memory},{disk},{spec}")
