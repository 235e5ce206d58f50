"""Type stubs of the native module; the documented API is ``overbook`` itself."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

__version__: str

class OverbookError(Exception):
    """Overbook's error: the command line's one line, ``file:line:column: message``."""

    file: Optional[str]
    line: Optional[int]
    column: Optional[int]

class Request:
    """What a Python placer reads of a request (one shard or container to place)."""

    model: str
    tenant: str
    class_: str
    time: int
    resources: List[str]
    size: List[float]
    fill_target: float
    avoid: List[int]
    zones: Optional[List[bool]]
    profile: Optional[List[float]]

class Node:
    """What a Python placer reads of a node."""

    id: int
    open: bool
    zone: Optional[int]
    capacity: List[float]
    allocated: List[float]
    utilization: List[float]
    allowed: bool
    fits: bool

Sets = Sequence[Tuple[str, Any]]

def allow_exec(yes: bool) -> None: ...
def arrow(table: str, csv: bytes) -> bytes: ...
def check(
    path: str, sets: Sets, placers: Optional[Dict[str, Any]] = None
) -> Tuple[str, List[str], List[str]]: ...
def validate(path: str, sets: Sets) -> None: ...
def run(
    path: str,
    sets: Sets,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    out: Optional[str] = None,
    placers: Optional[Dict[str, Any]] = None,
    format: str = "csv",
) -> Dict[str, bytes]: ...
def sweep_grid(
    path: str,
    sets: Sets,
    axes: List[str],
    replications: int = 1,
    confidence: float = 0.95,
    threads: Optional[int] = None,
    out: Optional[str] = None,
    placers: Optional[Dict[str, Any]] = None,
    format: str = "csv",
) -> Dict[str, bytes]: ...
def plan_knob(
    path: str,
    sets: Sets,
    threads: Optional[int] = None,
    out: Optional[str] = None,
    placers: Optional[Dict[str, Any]] = None,
    format: str = "csv",
) -> Dict[str, bytes]: ...
def predict_peaks(
    path: str, sets: Sets, out: Optional[str] = None, format: str = "csv"
) -> Dict[str, bytes]: ...
def regress_suite(
    suite: str,
    baseline: str,
    tolerance: List[str] = ...,
    confidence: float = 0.95,
    junit: Optional[str] = None,
    markdown: Optional[str] = None,
    bless: bool = False,
    placers: Optional[Dict[str, Any]] = None,
) -> Tuple[bool, List[str], str]: ...
def bundle(
    path: str, sets: Sets, placers: Optional[Dict[str, Any]] = None
) -> Tuple[str, str, List[Tuple[str, bytes]]]: ...
def job_count(path: str, text: str, kind: str, axes: List[str], replications: int) -> int: ...
def run_part(
    path: str,
    text: str,
    kind: str,
    axes: List[str],
    replications: int,
    confidence: float,
    index: int,
    count: int,
    placers: Optional[Dict[str, Any]] = None,
) -> str: ...
def merge_parts(
    parts: List[str], out: Optional[str] = None, format: str = "csv"
) -> Dict[str, bytes]: ...
