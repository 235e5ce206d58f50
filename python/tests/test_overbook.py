"""The Python package against the command line: the same scenario gives the same tables."""

import json
import pathlib
import shutil
import subprocess
import sys
import threading

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import overbook
from conftest import QUICKSTART, ROOT, cli, population
from placers import FirstFit, OpensEverything, UsesFits

TABLES = ["tenants", "nodes", "harm", "pricing", "timeseries"]


def read_csv(path: pathlib.Path, schema: pa.Schema) -> pa.Table:
    """The CLI's CSV file read with the declared schema's types (empty fields are nulls)."""
    options = pacsv.ConvertOptions(
        column_types=schema, strings_can_be_null=True, quoted_strings_can_be_null=False
    )
    return pacsv.read_csv(path, convert_options=options)


def test_run_gives_the_clis_tables(quickstart_cli, tmp_path):
    r = overbook.run(QUICKSTART)
    cli("run", QUICKSTART, "--out", tmp_path / "pq", "--format", "parquet", "--quiet")
    for name in TABLES:
        from_python = getattr(r, name)
        from_cli = read_csv(quickstart_cli / f"{name}.csv", from_python.schema)
        assert from_python.num_rows == from_cli.num_rows > 0, name
        assert from_python.column_names == from_cli.column_names, name
        assert from_python.equals(from_cli), name
        # the same bytes as the CLI's file, and the same table as its Parquet, units included
        assert r.files[f"{name}.csv"] == (quickstart_cli / f"{name}.csv").read_bytes(), name
        parquet = pq.read_table(tmp_path / "pq" / f"{name}.parquet")
        assert from_python.equals(parquet, check_metadata=True), name
    assert r.summary == json.loads((quickstart_cli / "summary.json").read_text())
    assert r.events is None  # the quick-start logs no events
    # the declared types and units
    schema = r.tenants.schema
    assert schema.field("tenant").type == pa.string()
    assert schema.field("steps").type == pa.int64()
    assert schema.field("demand_cpu").type == pa.float64()
    assert schema.field("demand_cpu").metadata[b"resource"] == b"cpu"
    assert b"unit" in schema.field("cost").metadata
    # pandas reads them
    frame = r.tenants.to_pandas()
    assert list(frame.columns[:3]) == ["model", "tenant", "class"]
    assert len(frame) == 72  # 24 tenants x 3 models


def test_run_writes_the_clis_directory(quickstart_cli, tmp_path):
    out = tmp_path / "quickstart"
    overbook.run(QUICKSTART, out=out)
    for name in ["summary.json"] + [f"{t}.csv" for t in TABLES]:
        assert (out / name).read_bytes() == (quickstart_cli / name).read_bytes(), name
    assert (out / "report.html").exists()
    # and in Parquet, as `--format parquet` writes it
    cli("run", QUICKSTART, "--out", tmp_path / "cli-pq", "--format", "parquet", "--quiet")
    overbook.run(QUICKSTART, out=tmp_path / "pq", format="parquet")
    for name in TABLES:
        assert (tmp_path / "pq" / f"{name}.parquet").read_bytes() == (
            tmp_path / "cli-pq" / f"{name}.parquet"
        ).read_bytes(), name
        assert not (tmp_path / "pq" / f"{name}.csv").exists()
    with pytest.raises(overbook.OverbookError, match="expected `csv` or `parquet`"):
        overbook.run(QUICKSTART, out=tmp_path / "x", format="xlsx")


def test_seed_threads_and_set(quickstart_cli):
    one = overbook.run(QUICKSTART, threads=1)
    two = overbook.run(QUICKSTART, threads=2)
    assert one.files == two.files
    s = overbook.Scenario.from_toml(QUICKSTART).set("models.shared.fill_target", 1.5)
    assert s.sets == [("models.shared.fill_target", 1.5)]
    tighter = overbook.run(s)
    cli_tighter = cli(
        "sweep", QUICKSTART, "--set", "models.shared.fill_target=1.5", "--out",
        quickstart_cli.parent / "tight",
    )
    assert cli_tighter.returncode == 0
    shared = [m for m in tighter.summary["models"] if m["name"] == "shared"][0]
    base = [m for m in one.summary["models"] if m["name"] == "shared"][0]
    # a lower fill target cannot need fewer brokers
    assert shared["nodes_peak"] >= base["nodes_peak"]


def test_an_invalid_scenario_raises_with_its_place(tmp_path):
    bad = tmp_path / "bad.toml"
    text = QUICKSTART.read_text().replace("fill_target = 2.0", "fill_target = -2.0")
    text = text.replace('trace = "quickstart/trace.csv"', f'trace = "{ROOT}/scenarios/quickstart/trace.csv"')
    bad.write_text(text)
    line = text.splitlines().index("fill_target = -2.0") + 1
    with pytest.raises(overbook.OverbookError) as e:
        overbook.Scenario.from_toml(bad)
    assert str(e.value).startswith(f"{bad}:{line}:15: ")
    assert (e.value.file, e.value.line, e.value.column) == (str(bad), line, 15)
    # the command line says the same
    done = cli("validate", bad, check=False)
    assert done.returncode != 0 and str(e.value) in done.stderr
    with pytest.raises(overbook.OverbookError, match="no such|No such"):
        overbook.run(tmp_path / "missing.toml")
    with pytest.raises(overbook.OverbookError, match="unknown field `fill_targt`"):
        overbook.Scenario.from_toml(QUICKSTART).set("models.shared.fill_targt", 1)


def test_a_python_first_fit_gives_first_fits_outputs():
    built_in = overbook.run(QUICKSTART)
    for placer in (FirstFit, UsesFits):
        mine = overbook.run(QUICKSTART, placer=placer)
        for name in TABLES:
            assert mine.files[f"{name}.csv"] == built_in.files[f"{name}.csv"], (placer, name)


def test_python_placers_per_model_and_in_parallel_are_deterministic():
    a = overbook.run(QUICKSTART, placer={"shared": OpensEverything}, threads=1)
    b = overbook.run(QUICKSTART, placer={"shared": OpensEverything}, threads=2)
    assert a.files == b.files
    nodes = a.nodes.to_pandas()
    built_in = overbook.run(QUICKSTART).nodes.to_pandas()
    # every one of the 24 x 3 shards on a node of its own; the other models untouched
    assert (nodes.model == "shared").sum() == 72
    assert (nodes.model == "containerized").sum() == (built_in.model == "containerized").sum()


class Recording:
    """First-fit through `fits`, recording what each request shows."""

    seen = []

    def place(self, request, nodes):
        Recording.seen.append((request, list(nodes)))
        return next((n.id for n in nodes if n.fits), None)


def test_a_python_placer_sees_the_request_and_the_nodes():
    Recording.seen = []
    overbook.run(QUICKSTART, placer={"shared": Recording})
    assert len(Recording.seen) == 72  # 24 tenants x 3 shards
    first, nodes = Recording.seen[0]
    assert (first.model, first.time, first.resources) == ("shared", 0, ["cpu", "memory", "disk"])
    assert first.tenant == "head-01" and getattr(first, "class") == "premium"
    assert len(first.size) == 3 and first.fill_target == 2.0 and nodes == []
    # later requests see the open brokers, their allocation and their last step's utilization
    later, nodes = Recording.seen[-1]
    assert later.time > 0 and nodes
    assert all(len(n.utilization) == 3 and all(0 <= u <= 1 + 1e-9 for u in n.utilization) for n in nodes)
    assert any(u > 0 for n in nodes for u in n.utilization)


def test_an_exec_placer_runs_only_when_allowed():
    script = ROOT / "examples" / "exec-placer" / "first_fit.py"
    s = overbook.Scenario.from_toml(QUICKSTART)
    with pytest.raises(overbook.OverbookError, match="--allow-exec"):
        s.set("models.shared.placer", f"exec(cmd = '{sys.executable} {script}')")
    overbook.allow_exec(True)
    try:
        s.set("models.shared.placer", f"exec(cmd = '{sys.executable} {script}')")
        s.set("models.containerized.placer", f"exec(cmd = '{sys.executable} {script}')")
        built_in = overbook.run(QUICKSTART)
        mine = overbook.run(s)
        for name in TABLES:
            assert mine.files[f"{name}.csv"] == built_in.files[f"{name}.csv"], name
    finally:
        overbook.allow_exec(False)


class Raises:
    def place(self, request, nodes):
        raise ValueError("no idea")


class Garbage:
    def place(self, request, nodes):
        return "node three"


class Elsewhere:
    def place(self, request, nodes):
        return len(nodes) + 5


@pytest.mark.parametrize(
    "placer, message",
    [
        (Raises, "placer `py-raises` of model `shared`: place() raised ValueError: no idea (placing tenant `head-01` at 0 s"),
        (Garbage, "placer `py-garbage` of model `shared`: place() answered 'node three', expected a node id"),
        (Elsewhere, "which the request does not allow"),
    ],
)
def test_a_failing_python_placer_raises_naming_it(placer, message):
    with pytest.raises(overbook.OverbookError) as e:
        overbook.run(QUICKSTART, placer=placer)
    assert message in str(e.value)


def test_a_placer_must_be_a_factory():
    with pytest.raises(overbook.OverbookError, match="expected a class or a callable"):
        overbook.run(QUICKSTART, placer=FirstFit())
    with pytest.raises(overbook.OverbookError, match="`placer` does not apply to a dedicated model"):
        overbook.run(QUICKSTART, placer={"dedicated": FirstFit})


def test_the_engine_runs_without_the_gil(tmp_path):
    # another Python thread keeps ticking while a run of a few tenths of a second is under way
    # (were the GIL held, it would tick at most once a switch interval before the call took
    # it); and a placer is called from the engine's worker threads, which take the GIL for
    # it: were the GIL held by the caller, that run would never finish
    scenario = tmp_path / "population.toml"
    scenario.write_text(population(20_000))
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.001)

    t = threading.Thread(target=tick)
    t.start()
    try:
        before = len(ticks)
        overbook.run(scenario, threads=1)
        during = len(ticks) - before
        overbook.run(QUICKSTART, placer=FirstFit, threads=2)
    finally:
        stop.set()
        t.join()
    assert during >= 20, during


def test_sweep_and_plan_give_the_clis_files(tmp_path):
    cli("sweep", QUICKSTART, "--set", "models.shared.fill_target=1.5,2", "--out", tmp_path / "s")
    r = overbook.sweep(QUICKSTART, {"models.shared.fill_target": [1.5, 2]})
    assert r.files["sweep.csv"] == (tmp_path / "s" / "sweep.csv").read_bytes()
    assert r.table.num_rows > 0
    mine = overbook.sweep(QUICKSTART, ["models.shared.fill_target=1.5,2"], placer=FirstFit)
    assert mine.files["sweep.csv"] == r.files["sweep.csv"]
    scenario = tmp_path / "p.toml"
    scenario.write_text(PLANNED)
    cli("plan", scenario, "--out", tmp_path / "p")
    p = overbook.plan(scenario)
    assert p.files["plan.csv"] == (tmp_path / "p" / "plan.csv").read_bytes()
    assert "fill_target" in p.answer
    # a Python first-fit plans as the built-in one
    mine = overbook.plan(scenario, placer=FirstFit)
    assert mine.files["plan.csv"] == p.files["plan.csv"]


def test_predict_gives_the_clis_file(tmp_path):
    (tmp_path / "s.toml").write_text(PREDICTED)
    # a (limit 4) and b (limit 6) on node n1; totals 3, 4, 7, 2
    (tmp_path / "t.csv").write_text(
        "time,tenant,cpu,spec_cpu,node\n0,a,1,4,n1\n0,b,2,6,n1\n300,a,3,,\n300,b,1,,\n"
        "600,a,2,,\n600,b,5,,\n900,a,1,,\n900,b,1,,\n"
    )
    cli("predict", tmp_path / "s.toml", "--out", tmp_path / "q")
    r = overbook.predict(tmp_path / "s.toml")
    assert r.files["predictions.csv"] == (tmp_path / "q" / "predictions.csv").read_bytes()
    on_disk = json.loads((tmp_path / "q" / "summary.json").read_text())
    assert r.summary == on_disk["predictions"]
    assert "oracle(600) (bound)" in r.answer
    with pytest.raises(overbook.OverbookError, match="has no node"):
        overbook.predict(QUICKSTART)


PREDICTED = """
[[resources]]
name = "cpu"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 10 }
[workload]
trace = "t.csv"
[predict]
history = 4
min_samples = 2
predictors = ["limit", "peak", "oracle(600)", "max(peak, oracle(300))"]
[models.shared]
"""


def suite_of(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(ROOT / "scenarios" / "regression" / "bursty-head.toml", suite)
    return suite


def test_regress_fails_on_a_worse_python_placer(tmp_path):
    suite = suite_of(tmp_path)
    baseline = tmp_path / "baseline.json"
    blessed = overbook.regress(suite, baseline, bless=True, placer=FirstFit)
    assert blessed.passed and baseline.exists()
    same = overbook.regress(suite, baseline, placer=FirstFit)
    assert same.passed and same.exit_code == 0, same.lines
    worse = overbook.regress(suite, baseline, placer=OpensEverything, markdown=tmp_path / "r.md")
    assert not worse.passed and worse.exit_code == 1
    assert any("py-mine" in line and "nodes" in line for line in worse.lines), worse.lines
    assert (tmp_path / "r.md").read_text() == worse.markdown
    # and from the shell, as CI runs it
    env_path = str(pathlib.Path(__file__).parent)
    for placer, code in (("placers:FirstFit", 0), ("placers:OpensEverything", 1)):
        done = subprocess.run(
            [sys.executable, "-m", "overbook", "regress", str(suite), "--baseline",
             str(baseline), "--placer", placer],
            capture_output=True, text=True, cwd=env_path,
            env={**__import__("os").environ, "PYTHONPATH": env_path},
        )
        assert done.returncode == code, done.stdout + done.stderr


PLANNED = """
[[resources]]
name = "cpu"
[[nodes]]
name = "b8"
price_per_hour = 1.0
capacity = { cpu = 8 }
[workload.generator]
days = 1
[[workload.generator.tenants]]
name = "g"
count = 96
mode = "gaussian"
mean_use = { dist = "constant", value = 0.5 }
sd = 0.15
shape = { cpu = 1 }
[slo.loss]
max_loss = 0.01
max_latency_inflation = 1000
[models.shared]
quota_factor = 10
[models.dedicated]
[planner]
knob = "fill_target"
low = 1.0
high = 2.0
step = 0.125
target = 0.05
replications = 3
"""
