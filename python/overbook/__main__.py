"""``python -m overbook regress``: the regression gate with a placer written in Python.

    python -m overbook regress SUITE --baseline BASELINE.json --placer my_module:MyPlacer

exits 0 when nothing regressed, 1 on a regression (or an entry missing), 2 on an error, as
``overbook regress`` does; ``--bless`` writes the baseline instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import OverbookError, regress


def _factory(spec: str):
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise OverbookError(f"--placer {spec}: expected MODULE:NAME, e.g. my_placers:FirstFit")
    try:
        found = importlib.import_module(module)
        for part in attr.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as e:
        raise OverbookError(f"--placer {spec}: {e}") from None
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m overbook")
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("regress", help="the regression gate, with a Python placer")
    r.add_argument("suite")
    r.add_argument("--baseline", required=True)
    r.add_argument("--placer", help="MODULE:NAME of a placer factory (a class or a callable)")
    r.add_argument("--tolerance", action="append", default=[], metavar="METRIC=X")
    r.add_argument("--confidence", type=float, default=0.95)
    r.add_argument("--junit")
    r.add_argument("--markdown")
    r.add_argument("--bless", action="store_true")
    args = parser.parse_args(argv)
    try:
        placer = _factory(args.placer) if args.placer else None
        result = regress(
            args.suite,
            args.baseline,
            tolerance=args.tolerance,
            confidence=args.confidence,
            junit=args.junit,
            markdown=args.markdown,
            bless=args.bless,
            placer=placer,
        )
    except OverbookError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for line in result.lines:
        print(line)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
