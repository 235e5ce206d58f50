#!/usr/bin/env python3
"""Executes the notebooks against an output directory; fails on the first cell error, and when
a cell tagged "figure" shows no image.

Usage: OVERBOOK_OUTPUT=output/quickstart python notebooks/execute.py [OUT_DIR [NOTEBOOK...]]
Executed copies go to OUT_DIR (default target/notebooks); the notebooks default to
pricing.ipynb and capacity.ipynb (python-api.ipynb needs the Python package installed).
"""
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

here = Path(__file__).resolve().parent
out = Path(sys.argv[1] if len(sys.argv) > 1 else "target/notebooks")
out.mkdir(parents=True, exist_ok=True)
os.environ["OVERBOOK_OUTPUT"] = str(Path(os.environ.get("OVERBOOK_OUTPUT", "output/quickstart")).resolve())
for name in sys.argv[2:] or ["pricing.ipynb", "capacity.ipynb"]:
    nb = nbformat.read(here / name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(here)}}).execute()
    nbformat.write(nb, out / name)
    # every cell tagged "figure" must have drawn one, inline
    figures = [c for c in nb.cells if "figure" in c.get("metadata", {}).get("tags", [])]
    blank = [i for i, c in enumerate(nb.cells) if c in figures
             and not any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    if blank:
        sys.exit(f"{name}: figure cells {blank} produced no image")
    print(f"{name}: {len(nb.cells)} cells executed without error, {len(figures)} figures drawn inline")
