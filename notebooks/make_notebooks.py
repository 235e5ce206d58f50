#!/usr/bin/env python3
"""Writes pricing.ipynb, capacity.ipynb and python-api.ipynb from the cells below (standard library only).

Edit the cells here and run `python3 notebooks/make_notebooks.py`; the notebooks are
committed as written, without outputs.
"""
import json
from pathlib import Path

SETUP = '''import json, os
from pathlib import Path
import pandas as pd
import matplotlib.pyplot as plt
%matplotlib inline

# The output directory of `overbook run` (set OVERBOOK_OUTPUT to look at another run).
OUT = Path(os.environ.get("OVERBOOK_OUTPUT", "../output/quickstart"))
summary = json.loads((OUT / "summary.json").read_text())


def read_table(name):
    """The table `name` of OUT: name.parquet when there (`--format parquet`), else name.csv; None without either."""
    parquet, csv = OUT / f"{name}.parquet", OUT / f"{name}.csv"
    if parquet.exists():
        return pd.read_parquet(parquet)
    return pd.read_csv(csv) if csv.exists() else None


tenants = read_table("tenants")
print(f"{summary['scenario']}: {summary['tenants']} tenants, models {[m['name'] for m in summary['models']]}")'''


def notebook(title, cells):
    def md(text):
        return {"cell_type": "markdown", "metadata": {}, "source": text.strip("\n").splitlines(True)}

    def code(text, figure=False):
        # a cell tagged "figure" must show an image once executed (notebooks/execute.py)
        meta = {"tags": ["figure"]} if figure else {}
        return {"cell_type": "code", "execution_count": None, "metadata": meta, "outputs": [],
                "source": text.strip("\n").splitlines(True)}

    out = [md(f"# {title}")]
    for kind, text in cells:
        out.append(md(text) if kind == "md" else code(text, figure=kind == "fig"))
    for i, cell in enumerate(out):
        cell["id"] = f"cell-{i}"  # stable ids: the files do not change when regenerated
    return {
        "cells": out,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


pricing = notebook("Pricing: what each tenant costs and what we should charge", [
    ("md", "Reads the outputs of `overbook run` (Parquet tables when the run wrote them, else CSV) (by default the quick-start's). Every cost is the node cost allocated by the scenario's rule; every price is per unit of spec per hour."),
    ("code", SETUP),
    ("md", "## Cost per tenant, by placement model\nThe spread of allocated cost; the dedicated model shows what each tenant would cost on its own machines."),
    ("fig", '''fig, ax = plt.subplots(figsize=(8, 4))
for model, group in tenants.groupby("model", sort=False):
    ax.hist(group["cost"], bins=20, alpha=0.5, label=model)
money = f" ({summary['currency']})" if summary.get("currency") else ""
ax.set_xlabel(f"allocated cost over the run{money}"); ax.set_ylabel("tenants"); ax.legend(title="model")
ax.set_title("Cost per tenant")
tenants.groupby("model", sort=False)["cost"].describe()[["mean", "50%", "max"]]'''),
    ("md", "## Break-even and target-margin prices\nFrom `pricing.csv`: the price per unit of spec per hour at which each model covers its node cost, and the price for the scenario's target margin."),
    ("code", '''pricing = read_table("pricing")
cols = ["model", "class", "tenants", "cost", "revenue", "margin_rate"] + [c for c in pricing.columns if c.startswith("break_even_price_")]
pricing[cols].round(4)'''),
    ("md", "## Margin by tenant class\nThe long tail is where dedicated hosting loses money; sharing is what makes it profitable."),
    ("fig", '''by_class = pricing[pricing["class"] != "all"].pivot(index="class", columns="model", values="margin_rate")
ax = by_class.plot.bar(figsize=(8, 4), rot=0)
ax.axhline(0, color="black", linewidth=0.8); ax.set_ylabel("margin / revenue"); ax.set_xlabel("SLO class")
ax.set_title("Margin by class and model"); ax.legend(title="model")
by_class.round(3)'''),
    ("md", "## What if we change the list price?\nRevenue scales with the list price; cost does not. Here: every list price cut by 20%."),
    ("code", '''change = 0.8
what_if = pricing.copy()
what_if["revenue"] = what_if["revenue"] * change
what_if["margin"] = what_if["revenue"] - what_if["cost"]
what_if["margin_rate"] = what_if["margin"] / what_if["revenue"]
what_if[["model", "class", "margin_rate"]].round(3)'''),
])

capacity = notebook("Capacity: machines, utilization and the planner's frontier", [
    ("md", "Reads the outputs of `overbook run` (and `overbook plan`, when `plan.csv` or `plan.parquet` is there), Parquet tables when the run wrote them, else CSV."),
    ("code", SETUP),
    ("md", "## Machines and utilization per placement model"),
    ("code", '''models = pd.DataFrame([{
    "model": m["name"], "nodes (peak)": m["nodes_peak"], "node-hours": m["node_hours"],
    "cost": m["cost_total"], "violation rate": m["violation_rate"],
    **{f"util {r}": v for r, v in m["utilization"].items()},
    **{f"oversold {r}": v for r, v in m["oversubscription_ratio"].items()},
} for m in summary["models"]]).set_index("model")
models.round(3)'''),
    ("fig", '''ax = models[[c for c in models.columns if c.startswith("util ")]].plot.bar(figsize=(8, 4), rot=0)
ax.set_ylabel("delivered / capacity held"); ax.set_xlabel("model"); ax.set_title("Utilization per resource")'''),
    ("md", "## Node utilization over time\nHourly mean utilization of the first resource, per node (from `timeseries.csv`)."),
    ("fig", '''series = read_table("timeseries")
nodes = series[series["series"] == "node"]
fig, axes = plt.subplots(len(summary["models"]), 1, figsize=(9, 2.2 * len(summary["models"])), squeeze=False)
for ax, m in zip(axes[:, 0], summary["models"]):
    grid = nodes[nodes["model"] == m["name"]].pivot(index="id", columns="hour", values="a")
    image = ax.imshow(grid.values, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                      interpolation="nearest", origin="lower",
                      extent=(grid.columns.min(), grid.columns.max() + 1, -0.5, len(grid) - 0.5))
    ax.set_title(m["name"]); ax.set_ylabel("node")
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig.colorbar(image, ax=ax, label="utilization")
axes[-1, 0].set_xlabel("hour of the run")
fig.tight_layout()'''),
    ("md", "## The planner's frontier\nRun `overbook plan` on a scenario with a `[planner]` section to fill `plan.csv`."),
    ("code", '''plan = read_table("plan")
if plan is not None:
    ratio = [c for c in plan.columns if c.startswith("oversubscription_")][0]
    fig, ax = plt.subplots(figsize=(8, 4))
    for model, g in plan.groupby("model", sort=False):
        g = g.sort_values(ratio)
        ax.plot(g[ratio], g["violation_rate"], marker="o", label=model)
        ax.fill_between(g[ratio], g["violation_rate_low"], g["violation_rate_high"], alpha=0.2)
    ax.set_xlabel("oversubscription ratio"); ax.set_ylabel("violation rate"); ax.legend()
    display(plan[plan["recommended"]])
else:
    print("no plan.csv or plan.parquet in", OUT, "- run `overbook plan` on a scenario with a [planner] section")'''),
])

python_api = notebook("Overbook from Python: run, sweep and a placer of one's own", [
    ("md", "The `overbook` package runs scenarios in this process and hands every table over as a `pyarrow.Table` (install it with `pip install ./python`, docs/python.md). Each table is the command line's file, byte for byte."),
    ("code", '''from pathlib import Path
import matplotlib.pyplot as plt
import pandas as pd
import overbook

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
QUICKSTART = ROOT / "scenarios" / "quickstart.toml"
print("overbook", overbook.__version__)'''),
    ("md", "## A run\n`overbook.run` gives `summary` (summary.json as a dict) and the tables. Here the three models of the quick-start side by side: nodes at the peak, cost per tenant and how often tenants miss their SLO."),
    ("code", '''r = overbook.run(QUICKSTART, seed=1)
models = pd.DataFrame(r.summary["models"]).set_index("name")
models[["nodes_peak", "cost_per_tenant", "violation_rate", "savings_vs_dedicated"]]'''),
    ("md", "## Who harms whom\nThe tenants table as a pandas frame: the noisiest neighbours per model, by the CPU and memory harm they cause to others."),
    ("fig", '''tenants = r.tenants.to_pandas()
shared = tenants[tenants.model != "dedicated"]
top = shared.assign(harm=shared.harm_caused_cpu + shared.harm_caused_memory)
top = top.sort_values("harm", ascending=False).head(8)
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.barh(top.model + " / " + top.tenant, top.harm)
ax.invert_yaxis()
ax.set_xlabel("harm caused to others (resource units x seconds, CPU + memory)")
ax.set_title("The noisiest neighbours")
plt.tight_layout()
plt.show()'''),
    ("md", "## A sweep\nThe shared cluster's fill target swept from 1 (no overselling) to 3: fewer brokers, more SLO violations. `sweep` takes a dict of key to values."),
    ("fig", '''sweep = overbook.sweep(QUICKSTART, {"models.shared.fill_target": [1.0, 1.5, 2.0, 2.5, 3.0]}).table.to_pandas()
shared = sweep[sweep.model == "shared"]
fig, ax1 = plt.subplots(figsize=(8, 3.5))
ax1.plot(shared["models.shared.fill_target"], shared.violation_rate, marker="o", color="tab:red")
ax1.set_xlabel("fill target (oversubscription of the shared cluster)")
ax1.set_ylabel("violation rate", color="tab:red")
ax2 = ax1.twinx()
ax2.plot(shared["models.shared.fill_target"], shared.nodes, marker="s", color="tab:blue")
ax2.set_ylabel("brokers at the peak", color="tab:blue")
ax1.set_title("Overselling the shared cluster")
plt.tight_layout()
plt.show()'''),
    ("md", "## A placer of one's own\nAny class with `place(request, nodes)` returning a node id, or `None` to open a node. This one is worst-fit: the allowed node with the most free room after placing. It is given as a class, so every model and run makes its own."),
    ("fig", '''class WorstFit:
    name = "worst-fit-py"

    def place(self, request, nodes):
        best, room = None, None
        for n in nodes:
            if not n.fits:
                continue
            free = sum((request.fill_target * c - a - s) / c
                       for s, c, a in zip(request.size, n.capacity, n.allocated) if c > 0)
            if room is None or free > room:
                best, room = n.id, free
        return best

mine = overbook.run(QUICKSTART, seed=1, placer=WorstFit)
both = pd.DataFrame({
    "first-fit": pd.DataFrame(r.summary["models"]).set_index("name").violation_rate,
    "worst-fit (Python)": pd.DataFrame(mine.summary["models"]).set_index("name").violation_rate,
}).drop(index="dedicated")
ax = both.plot.bar(figsize=(7, 3.5), rot=0)
ax.set_ylabel("violation rate"); ax.set_title("Built-in first-fit against a Python worst-fit")
plt.tight_layout()
plt.show()
both'''),
])

here = Path(__file__).parent
for name, nb in [("pricing.ipynb", pricing), ("capacity.ipynb", capacity), ("python-api.ipynb", python_api)]:
    (here / name).write_text(json.dumps(nb, indent=1) + "\n")
    print("wrote", here / name)
