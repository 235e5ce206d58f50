"""Overbook from Python: a multi-tenant capacity simulator and oversubscription planner.

Run a scenario and read its tables as ``pyarrow.Table`` (``.to_pandas()`` and polars work on
them)::

    import overbook
    s = overbook.Scenario.from_toml("scenarios/quickstart.toml")
    s.set("models.shared.fill_target", 1.5)
    r = overbook.run(s, seed=1)
    r.summary["models"][0]["nodes_peak"]
    r.tenants.to_pandas()

``sweep``, ``plan``, ``predict`` and ``regress`` do what the command line's commands of the
same names do, and give the same numbers: each table is the command line's file, read into
Arrow with its declared schema (the types and units of ``--format parquet``). A placer of one's own is any class (or callable) making an object with
``place(request, nodes) -> int | None``; pass it as ``placer=``.

Errors are :class:`OverbookError`, whose message is the command line's one line
(``file:line:column: what was expected``). The engine runs with the GIL released.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import _overbook
from ._overbook import OverbookError

__all__ = [
    "OverbookError",
    "Scenario",
    "RunResult",
    "SweepResult",
    "PlanResult",
    "PredictResult",
    "RegressResult",
    "run",
    "sweep",
    "plan",
    "predict",
    "regress",
    "table",
    "allow_exec",
    "__version__",
]

__version__: str = _overbook.__version__

PathLike = Union[str, "os.PathLike[str]"]
#: A placer factory (a class or a callable making a placer), or one per model by name.
PlacerArg = Union[Callable[[], Any], Mapping[str, Callable[[], Any]], None]


class Scenario:
    """A scenario file with keys set on it from Python.

    ``set`` changes a key (dotted, as the command line's ``--set``: ``models.shared.fill_target``)
    before the scenario is checked; it returns the scenario, so calls chain. The file itself
    is never written.
    """

    def __init__(self, path: PathLike, sets: Optional[Sequence[tuple]] = None):
        self.path: str = os.fspath(path)
        self._sets: List[tuple] = list(sets or [])
        self.name, self.models, self.placing_models = _overbook.check(self.path, self._sets)

    @classmethod
    def from_toml(cls, path: PathLike) -> "Scenario":
        """The scenario in the TOML file ``path``, checked (an error raises)."""
        return cls(path)

    def set(self, key: str, value: Any) -> "Scenario":
        """Sets ``key`` to ``value`` (a bool, number, string or list) and checks the result;
        on an error the scenario is left as it was and the error raises."""
        sets = self._sets + [(key, value)]
        self.name, self.models, self.placing_models = _overbook.check(self.path, sets)
        self._sets = sets
        return self

    @property
    def sets(self) -> List[tuple]:
        """The keys set on the scenario, in order."""
        return list(self._sets)

    def __repr__(self) -> str:
        sets = "".join(f".set({k!r}, {v!r})" for k, v in self._sets)
        return f"Scenario.from_toml({self.path!r}){sets}"


def allow_exec(yes: bool = True) -> None:
    """Lets ``exec(cmd = '...')`` placers run their programs in this process (the command
    line's ``--allow-exec``); a scenario naming one is refused until then."""
    _overbook.allow_exec(bool(yes))


def _scenario(scenario: Union[Scenario, PathLike]) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else Scenario(scenario)


def _placers(placer: PlacerArg) -> Optional[Dict[str, Any]]:
    if placer is None:
        return None
    if isinstance(placer, Mapping):
        return dict(placer)
    return {"*": placer}


def _axes(grid: Union[Mapping[str, Any], Sequence[str]]) -> List[str]:
    """A sweep's grid as ``--set`` strings: a dict of key to values (a list, or a
    ``"lo..hi:step"`` string), or the strings themselves."""
    if not isinstance(grid, Mapping):
        return list(grid)
    axes = []
    for key, values in grid.items():
        if isinstance(values, str):
            axes.append(f"{key}={values}")
        else:
            axes.append(f"{key}=" + ",".join(repr(float(v)) for v in values))
    return axes


def _out(out: Optional[PathLike]) -> Optional[str]:
    return None if out is None else os.fspath(out)


def table(data: bytes, name: str):
    """A table's CSV bytes, as the command line writes the file ``name`` (``tenants.csv``,
    ``sweep.csv``, ...), as a ``pyarrow.Table`` with the table's declared schema: each
    column's type, its unit in the field's ``unit`` metadata (docs/outputs.md, "Formats"). The
    conversion is Rust's, handed over as Arrow IPC that pyarrow reads without a copy."""
    import pyarrow as pa

    stem = name[: -len(".csv")] if name.endswith(".csv") else name
    ipc = _overbook.arrow(stem, data)
    return pa.ipc.open_stream(pa.py_buffer(ipc)).read_all()


class _Tables:
    def __init__(self, files: Dict[str, bytes]):
        self.files: Dict[str, bytes] = files
        self._arrow: Dict[str, Any] = {}

    def _table(self, name: str):
        data = self.files.get(name)
        if data is None:
            return None
        if name not in self._arrow:
            self._arrow[name] = table(data, name)
        return self._arrow[name]


class RunResult(_Tables):
    """A run's outputs: ``summary`` (summary.json as a dict) and each table as a
    ``pyarrow.Table`` (``events`` is None when the scenario logs no events). ``files`` holds
    every file's bytes as the command line writes it."""

    @property
    def summary(self) -> dict:
        return json.loads(self.files["summary.json"])

    @property
    def tenants(self):
        return self._table("tenants.csv")

    @property
    def nodes(self):
        return self._table("nodes.csv")

    @property
    def harm(self):
        return self._table("harm.csv")

    @property
    def pricing(self):
        return self._table("pricing.csv")

    @property
    def timeseries(self):
        return self._table("timeseries.csv")

    @property
    def events(self):
        return self._table("events.csv")


class SweepResult(_Tables):
    """A sweep's ``sweep.csv`` as ``table``."""

    @property
    def table(self):
        return self._table("sweep.csv")


class PlanResult(_Tables):
    """A plan's ``plan.csv`` as ``table`` and the printed answer as ``answer``."""

    @property
    def table(self):
        return self._table("plan.csv")

    @property
    def answer(self) -> str:
        return self.files["answer.txt"].decode()


class PredictResult(_Tables):
    """A prediction's ``predictions.csv`` as ``table``, its summary.json section as
    ``summary`` and the printed table as ``answer``."""

    @property
    def table(self):
        return self._table("predictions.csv")

    @property
    def summary(self) -> dict:
        return json.loads(self.files["summary.json"])

    @property
    def answer(self) -> str:
        return self.files["answer.txt"].decode()


class RegressResult:
    """The regression gate's verdict: ``passed``, ``exit_code`` (0 or 1, as the command
    line's), the printed ``lines`` and the Markdown summary ``markdown``."""

    def __init__(self, passed: bool, lines: List[str], markdown: str):
        self.passed = passed
        self.lines = lines
        self.markdown = markdown

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def __repr__(self) -> str:
        return f"RegressResult(passed={self.passed}, lines={len(self.lines)})"


def run(
    scenario: Union[Scenario, PathLike],
    *,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    out: Optional[PathLike] = None,
    placer: PlacerArg = None,
    format: str = "csv",
) -> RunResult:
    """Runs the scenario's models, as ``overbook run``; writes the output directory ``out``
    (with its report; its tables in ``format``, ``csv`` or ``parquet``) when given."""
    s = _scenario(scenario)
    files = _overbook.run(s.path, s._sets, seed, threads, _out(out), _placers(placer), format)
    return RunResult(files)


def sweep(
    scenario: Union[Scenario, PathLike],
    grid: Union[Mapping[str, Any], Sequence[str]],
    *,
    replications: int = 1,
    confidence: float = 0.95,
    threads: Optional[int] = None,
    out: Optional[PathLike] = None,
    placer: PlacerArg = None,
    format: str = "csv",
) -> SweepResult:
    """Runs the scenario over a grid, as ``overbook sweep``: ``grid`` maps a dotted key to its
    values (a list, or a ``"lo..hi:step"`` string), or is a list of ``--set`` strings."""
    axes = _axes(grid)
    s = _scenario(scenario)
    files = _overbook.sweep_grid(
        s.path, s._sets, axes, replications, confidence, threads, _out(out), _placers(placer),
        format,
    )
    return SweepResult(files)


def plan(
    scenario: Union[Scenario, PathLike],
    *,
    threads: Optional[int] = None,
    out: Optional[PathLike] = None,
    placer: PlacerArg = None,
    format: str = "csv",
) -> PlanResult:
    """Finds the ``[planner]`` knob's value that meets the target, as ``overbook plan``."""
    s = _scenario(scenario)
    files = _overbook.plan_knob(s.path, s._sets, threads, _out(out), _placers(placer), format)
    return PlanResult(files)


def predict(
    scenario: Union[Scenario, PathLike], *, out: Optional[PathLike] = None, format: str = "csv"
) -> PredictResult:
    """Replays the trace's own placement under the ``[predict]`` predictors, as
    ``overbook predict``."""
    s = _scenario(scenario)
    return PredictResult(_overbook.predict_peaks(s.path, s._sets, _out(out), format))


def regress(
    suite: PathLike,
    baseline: PathLike,
    *,
    tolerance: Optional[Sequence[str]] = None,
    confidence: float = 0.95,
    junit: Optional[PathLike] = None,
    markdown: Optional[PathLike] = None,
    bless: bool = False,
    placer: Optional[Callable[[], Any]] = None,
) -> RegressResult:
    """Runs the regression suite against ``baseline`` (or blesses it), as ``overbook
    regress``. With ``placer``, every scenario's ``[compare]`` placers are replaced by it, so
    that its name (its ``name`` attribute, else its class name) keys the scorecard: bless
    with one version of a placer, gate the next under the same name."""
    if placer is not None and isinstance(placer, Mapping):
        raise OverbookError("regress takes one placer (a class or a callable), not a dict")
    passed, lines, summary = _overbook.regress_suite(
        os.fspath(suite),
        os.fspath(baseline),
        list(tolerance or []),
        confidence,
        _out(junit),
        _out(markdown),
        bless,
        _placers(placer),
    )
    return RegressResult(passed, lines, summary)
