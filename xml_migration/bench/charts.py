"""Charts of the measurements, rendered to PNG with matplotlib (no display needed).

`sweep_chart`: records/minute against batch size, the median of the repeats as a line, the
spread (minimum to maximum) as a band, every run as a dot. `baseline_chart`: each run's
records/minute as a bar, the median as a horizontal line. `markdown_image` embeds a PNG in
Markdown as a `data:` URI, the way Dagster shows an image in metadata.
"""

from __future__ import annotations

import base64
import io

import pandas as pd
from matplotlib.figure import Figure

from xml_migration.bench.repeated_runs import THROUGHPUT

FIGURE_SIZE = (7.0, 3.8)
"""Inches; at `DPI`, an image that fits the metadata panel of the Dagster UI."""
DPI = 110


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def sweep_chart(runs: pd.DataFrame, summary: pd.DataFrame) -> bytes:
    """Records/minute (y) against batch size (x, logarithmic): median of the repeats, the
    min–max band and each run. `runs` has one row per run, `summary` one per batch size
    (`sweep_summary`)."""
    figure = Figure(figsize=FIGURE_SIZE)
    axes = figure.add_subplot()
    axes.fill_between(
        summary["batch_size"], summary["min"], summary["max"], alpha=0.2, label="min–max"
    )
    axes.plot(summary["batch_size"], summary["median"], marker="o", label="median")
    axes.scatter(runs["batch_size"], runs[THROUGHPUT], s=12, color="black", label="run")
    axes.set_xscale("log")
    axes.set_xticks(list(summary["batch_size"]), [str(int(b)) for b in summary["batch_size"]])
    axes.minorticks_off()
    axes.set_xlabel("batch size (documents per load transaction)")
    axes.set_ylabel("records/minute")
    axes.set_title("Throughput by batch size")
    axes.grid(alpha=0.3)
    axes.legend(loc="best")
    return _png(figure)


def baseline_chart(runs: pd.DataFrame) -> bytes:
    """Records/minute (y) of each run (x, run number) as bars, the median as a line."""
    figure = Figure(figsize=FIGURE_SIZE)
    axes = figure.add_subplot()
    median = float(runs[THROUGHPUT].median())
    axes.bar(runs["run"], runs[THROUGHPUT], label="run")
    axes.axhline(median, color="black", linestyle="--", label=f"median {median:,.0f}")
    axes.set_xticks(list(runs["run"]))
    axes.set_xlabel("run")
    axes.set_ylabel("records/minute")
    axes.set_title("Throughput of each baseline run")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="lower right")
    return _png(figure)


def markdown_image(png: bytes, description: str) -> str:
    """Markdown showing `png` inline (a `data:` URI), with `description` as its text."""
    encoded = base64.b64encode(png).decode("ascii")
    return f"![{description}](data:image/png;base64,{encoded})"
