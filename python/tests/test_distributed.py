"""Sweeps and plans on a local Ray cluster (two worker processes) equal local runs byte for
byte."""

import os
import shutil

import pytest

import overbook
import overbook.distributed as dist
from conftest import QUICKSTART
from placers import FirstFit
from test_overbook import PLANNED

import ray  # noqa: E402  (python/requirements-dev.txt pins it; CI runs these tests)


def test_without_ray_initialized_the_error_says_so():
    if ray.is_initialized():
        pytest.skip("a cluster is up")
    with pytest.raises(overbook.OverbookError, match="ray.init"):
        dist.sweep(QUICKSTART, {"models.shared.fill_target": [2]})


@pytest.fixture(scope="module")
def cluster():
    # the workers import the tests' placers as the driver does (a real cluster ships one's
    # module with runtime_env={"py_modules": [...]})
    here = os.path.dirname(os.path.abspath(__file__))
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": here}},
    )
    yield
    ray.shutdown()


def test_a_ray_sweep_equals_a_local_sweep(cluster, tmp_path):
    grid = {"models.shared.fill_target": [1.5, 2.0]}
    local = overbook.sweep(QUICKSTART, grid, replications=2)
    remote = dist.sweep(QUICKSTART, grid, replications=2, out=tmp_path / "s")
    assert remote.files["sweep.csv"] == local.files["sweep.csv"]
    assert (tmp_path / "s" / "sweep.csv").read_bytes() == local.files["sweep.csv"]
    assert (tmp_path / "s" / "report.html").exists()
    # a Python placer travels with the tasks
    mine = dist.sweep(QUICKSTART, grid, replications=2, placer=FirstFit)
    assert mine.files["sweep.csv"] == local.files["sweep.csv"]


def test_a_ray_plan_equals_a_local_plan(cluster, tmp_path):
    scenario = tmp_path / "p.toml"
    scenario.write_text(PLANNED)
    local = overbook.plan(scenario)
    remote = dist.plan(scenario)
    assert remote.files["plan.csv"] == local.files["plan.csv"]
    assert remote.answer == local.answer


def test_the_scenario_and_its_trace_are_shipped(tmp_path):
    # the bundle carries the trace at its place relative to the scenario, and a task writes
    # both under one directory named by their contents
    copy = tmp_path / "s"
    shutil.copytree(QUICKSTART.parent / "quickstart", copy / "quickstart")
    shutil.copy(QUICKSTART, copy / "quickstart.toml")
    bundle = overbook._overbook.bundle(str(copy / "quickstart.toml"), [], None)
    name, text, files = bundle
    assert name == "quickstart.toml"
    assert [f for f, _ in files] == ["quickstart/trace.csv"]
    assert files[0][1] == (copy / "quickstart" / "trace.csv").read_bytes()
    path = dist._materialize(bundle)
    assert path.endswith(os.path.join("", "quickstart.toml"))
    assert open(os.path.join(os.path.dirname(path), "quickstart", "trace.csv"), "rb").read() == files[0][1]
    # the originals are not needed any more: the part runs from the copy
    shutil.rmtree(copy)
    part = dist._run_job(bundle, ("sweep", ["models.shared.fill_target=2"], 1, 0.95), 0, 1, None)
    merged = overbook._overbook.merge_parts([part])
    assert merged["sweep.csv"] == overbook.sweep(QUICKSTART, {"models.shared.fill_target": [2]}).files["sweep.csv"]
