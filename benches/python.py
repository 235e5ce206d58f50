#!/usr/bin/env python3
"""The Python package's figures (docs/performance.md, "From Python"): calls per second of a
placer written in Python (the calls over the time they add to a run with the built-in
first-fit) on the quick-start and on 10,000 generated tenants, and the time to get `tenants`
as a pandas frame for 100,000 tenants. Needs the package installed (docs/python.md).

Usage: python benches/python.py [--tenants N]   (prints one JSON object)
"""

import argparse
import json
import pathlib
import tempfile
import time

import overbook
import pandas  # imported before timing: the figure is the conversion, not the import

ROOT = pathlib.Path(__file__).resolve().parents[1]
CALLS = [0]


class FirstFit:
    """First-fit from the node view's numbers, counting its calls."""

    name = "bench-first-fit"

    def place(self, request, nodes):
        CALLS[0] += 1
        for node in nodes:
            if node.allowed and all(
                a + s <= request.fill_target * c * (1.0 + 1e-12)
                for s, c, a in zip(request.size, node.capacity, node.allocated)
            ):
                return node.id
        return None


def best_of(n, f):
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


POPULATION = """
name = "python-bench"
seed = 7
step_seconds = 300
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "host"
price_per_hour = 1.0
capacity = {{ cpu = 64, memory = 256 }}
[workload.generator]
days = 1
[[workload.generator.tenants]]
name = "t"
count = {tenants}
size = {{ dist = "lognormal", median = 1, sigma = 0.5 }}
shape = {{ cpu = 1, memory = 4 }}
mean_use = {{ dist = "beta", a = 2, b = 5 }}
[models.shared]
node_type = "host"
fill_target = 1.5
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=100_000)
    args = parser.parse_args()
    quickstart = ROOT / "scenarios" / "quickstart.toml"
    built_in = best_of(5, lambda: overbook.run(quickstart, threads=1))
    CALLS[0] = 0
    python = best_of(5, lambda: overbook.run(quickstart, threads=1, placer=FirstFit))
    calls = CALLS[0] // 5
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "population.toml"
        path.write_text(POPULATION.format(tenants=args.tenants))
        small = pathlib.Path(tmp) / "small.toml"
        small.write_text(POPULATION.format(tenants=10_000))
        alone = best_of(1, lambda: overbook.run(small, threads=1))
        CALLS[0] = 0
        placed = best_of(1, lambda: overbook.run(small, threads=1, placer=FirstFit))
        many_calls = CALLS[0]
        t = time.perf_counter()
        r = overbook.run(path)
        run_seconds = time.perf_counter() - t
        t = time.perf_counter()
        frame = r.tenants.to_pandas()
        pandas_seconds = time.perf_counter() - t
        assert len(frame) == args.tenants, len(frame)
    print(json.dumps({
        "quickstart_run_seconds_built_in_first_fit": round(built_in, 4),
        "quickstart_run_seconds_python_first_fit": round(python, 4),
        "python_placer_calls_per_run": calls,
        "python_placer_calls_per_second": round(calls / max(python - built_in, 1e-9)),
        "population_10k_calls": many_calls,
        "population_10k_python_placer_calls_per_second": round(many_calls / max(placed - alone, 1e-9)),
        "tenants": args.tenants,
        "run_seconds": round(run_seconds, 2),
        "tenants_to_pandas_seconds": round(pandas_seconds, 3),
    }, indent=1))


if __name__ == "__main__":
    main()
