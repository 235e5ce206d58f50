"""Shared fixtures: the repository's root, the command line's binary and a run of it."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "scenarios" / "quickstart.toml"


def binary() -> pathlib.Path:
    """The `overbook` binary the CLI comparisons run (`OVERBOOK_BIN`, else the release build)."""
    given = os.environ.get("OVERBOOK_BIN")
    path = pathlib.Path(given) if given else ROOT / "target" / "release" / "overbook"
    if not path.exists():
        pytest.fail(f"{path} is missing: build it with `cargo build --release` first")
    return path


def cli(*args, cwd=ROOT, check=True):
    """Runs the command line; returns the completed process."""
    done = subprocess.run(
        [str(binary()), *map(str, args)], cwd=cwd, capture_output=True, text=True
    )
    if check and done.returncode != 0:
        pytest.fail(f"overbook {' '.join(map(str, args))} failed: {done.stderr}")
    return done


@pytest.fixture(scope="session")
def quickstart_cli(tmp_path_factory):
    """The quick-start's outputs written by the command line."""
    out = tmp_path_factory.mktemp("cli") / "quickstart"
    cli("run", QUICKSTART, "--out", out, "--quiet")
    return out


def population(tenants: int) -> str:
    """The generated population of benches/python.py, with `tenants` tenants (one scenario
    for the figures and the tests)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_python", ROOT / "benches" / "python.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench.POPULATION.format(tenants=tenants)
