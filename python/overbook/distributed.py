"""Sweeps and plans on a Ray cluster (DESIGN.md 7): every job, one (point, replication) of a
sweep or one (model, value, replication) of a plan's grid, is a Ray task; the results are
merged into the same ``sweep.csv`` / ``plan.csv`` and printed answer as a local run, byte for
byte.

The scenario (with the keys set on it) and the files it reads (its trace, or its metrics
export) are put in Ray's object store once; each task writes them under the same directory
on its node (``<tempdir>/overbook-ray-<hash>/``, so every part names the same scenario path),
runs its job with the engine's shard mode (job ``k`` of ``N`` is shard ``k`` of ``N``) and
returns the part; the caller merges the parts as ``overbook merge`` does. A placer written in
Python travels with the task (Ray pickles its factory)::

    import ray, overbook.distributed as dist
    ray.init()                                  # or ray.init(address="auto") on a cluster
    r = dist.sweep("scenarios/quickstart.toml", {"models.shared.fill_target": [1.5, 2.0]},
                   replications=4)
    r.table                                     # the local sweep's table, byte for byte

Ray is not a dependency of the package: install it where this module is used
(``pip install "ray[default]"``, the same version on every node).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import PlanResult, Scenario, SweepResult, _axes, _out, _placers, _scenario, _overbook

__all__ = ["sweep", "plan"]

#: At most this many Ray tasks in flight at once (the rest wait for a free slot).
MAX_IN_FLIGHT = 10_000


def _ray():
    try:
        import ray
    except ImportError:  # pragma: no cover - the message is the test
        raise _overbook.OverbookError(
            "overbook.distributed needs Ray: pip install \"ray[default]\""
        ) from None
    if not ray.is_initialized():
        raise _overbook.OverbookError(
            "Ray is not initialized: call ray.init() (or ray.init(address=...)) first"
        )
    return ray


def _root(bundle: Tuple[str, str, List[Tuple[str, bytes]]]) -> str:
    """The directory a bundle is written under on every node: named by its contents."""
    name, text, files = bundle
    h = hashlib.sha256(name.encode() + b"\0" + text.encode())
    for rel, data in files:
        h.update(b"\0" + rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return os.path.join(tempfile.gettempdir(), f"overbook-ray-{h.hexdigest()[:16]}")


def _materialize(bundle) -> str:
    """Writes the bundle's scenario and files under its root (atomically, so tasks on one
    node can race); returns the scenario's path there."""
    name, text, files = bundle
    root = _root(bundle)
    for rel, data in [(name, text.encode())] + list(files):
        path = os.path.join(root, rel)
        if os.path.exists(path):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return os.path.join(root, name)


def _run_job(bundle, work, index: int, count: int, placers) -> str:
    path = _materialize(bundle)
    kind, axes, replications, confidence = work
    return _overbook.run_part(
        path, bundle[1], kind, axes, replications, confidence, index, count, placers
    )


def _run(kind: str, s: Scenario, axes, replications, confidence, placers, threads_per_task):
    ray = _ray()
    bundle = _overbook.bundle(s.path, s._sets, placers)
    jobs = _overbook.job_count(_materialize(bundle), bundle[1], kind, axes, replications)
    shipped = ray.put(bundle)
    remote = ray.remote(num_cpus=threads_per_task)(_run_job)
    work = (kind, axes, replications, confidence)
    pending, parts = [], []
    for k in range(jobs):
        if len(pending) >= MAX_IN_FLIGHT:
            done, pending = ray.wait(pending, num_returns=1)
            parts.extend(ray.get(done))
        pending.append(remote.remote(shipped, work, k, jobs, placers))
    parts.extend(ray.get(pending))
    return parts


def sweep(
    scenario: Union[Scenario, "os.PathLike[str]", str],
    grid: Union[Mapping[str, Any], Sequence[str]],
    *,
    replications: int = 1,
    confidence: float = 0.95,
    out=None,
    placer=None,
    format: str = "csv",
) -> SweepResult:
    """``overbook.sweep`` with every (point, replication) a Ray task; the same table."""
    s = _scenario(scenario)
    parts = _run("sweep", s, _axes(grid), replications, confidence, _placers(placer), 1)
    return SweepResult(_overbook.merge_parts(parts, _out(out), format))


def plan(
    scenario: Union[Scenario, "os.PathLike[str]", str],
    *,
    out=None,
    placer=None,
    format: str = "csv",
) -> PlanResult:
    """``overbook.plan`` with every (model, value, replication) of the planner's grid a Ray
    task (the whole grid: the search is then made on the merged results, visiting the same
    values as a local plan); the same table and answer."""
    s = _scenario(scenario)
    parts = _run("plan", s, [], 1, 0.95, _placers(placer), 1)
    return PlanResult(_overbook.merge_parts(parts, _out(out), format))
