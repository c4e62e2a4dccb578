"""The page's charts as PNG: allocation per district, change against the last run, kiosk
fees, and growth against last year. Drawn with matplotlib's Agg canvas; the bytes depend on the data only.

Charts are the one place figures go through floats (for drawing); their labels are formatted
from the exact values.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from munifund.review.formatting import format_money, format_money_delta

#: Every file a chart is written to; a chart with nothing to show is not written.
CHART_NAMES = ("allocation.png", "changes.png", "kiosk.png", "year_over_year.png")
#: The most characters of a name under a bar.
LABEL_LIMIT = 40


@dataclass(frozen=True)
class Chart:
    file_name: str
    png: bytes
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


#: Charts drawn for the same data are taken from here (a PNG costs 0.2 to 0.7 s to draw): the
#: review pack is written again for each what-if scenario of its date, with the same figures.
KEPT_CHARTS = 64
_SOURCE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _kept_for_its_data(draw: Callable[..., Chart | None]) -> Callable[..., Chart | None]:
    """`draw`, whose chart is kept under $MUNIFUND_HOME/cache/charts by a digest of its
    arguments, this module's source and matplotlib's version: the same data, the same bytes,
    drawn once. The most recently used KEPT_CHARTS are kept."""

    @functools.wraps(draw)
    def kept(*args: Any) -> Chart | None:
        import matplotlib

        from munifund.config import load_settings

        digest = hashlib.sha256(
            repr((draw.__name__, args, _SOURCE, matplotlib.__version__)).encode()
        ).hexdigest()
        folder = load_settings().home / "cache" / "charts"
        path = folder / f"{digest}.json"
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
            os.utime(path)
            if found is None:
                return None
            return Chart(found["file_name"], base64.b64decode(found["png"]), found["alt"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # not kept (or half written by another process): drawn
        chart = draw(*args)
        record = None
        if chart is not None:
            png = base64.b64encode(chart.png).decode("ascii")
            record = {"file_name": chart.file_name, "png": png, "alt": chart.alt}
        folder.mkdir(parents=True, exist_ok=True)
        staged = path.with_suffix(f".{os.getpid()}")
        staged.write_text(json.dumps(record), encoding="utf-8")
        staged.replace(path)
        _prune(folder)
        return chart

    return kept


def _prune(folder: Path) -> None:
    dated = []
    for path in folder.glob("*.json"):
        try:
            dated.append((path.stat().st_mtime, path))
        except OSError:
            continue  # removed by another process meanwhile
    for _, path in sorted(dated)[:-KEPT_CHARTS]:
        path.unlink(missing_ok=True)


def _figure(width: float, height: float):
    # The Agg canvas, without pyplot: no global backend switch, no GUI, safe in a worker.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _png(fig) -> bytes:
    buf = io.BytesIO()
    # No "Software" entry: the image bytes depend on the data only.
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _yuan_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _label(row: dict[str, Any]) -> str:
    # English names on the axis: the default matplotlib fonts have no CJK glyphs.
    return str(row.get("name_en") or row.get("district_code") or "?")


def _district_ticks(ax, labels: list[str]) -> None:
    """The districts' names under the bars, as delivered: a "$" in a name is not mathtext
    (a malformed formula would fail the whole pack), and a long name is cut."""
    shown = [t if len(t) <= LABEL_LIMIT else t[: LABEL_LIMIT - 1] + "…" for t in labels]
    ax.set_xticks(range(len(labels)), shown, rotation=30, ha="right", parse_math=False)


@_kept_for_its_data
def allocation_chart(rows: list[dict[str, Any]]) -> Chart | None:
    if not rows:
        return None
    labels = [_label(r) for r in rows]
    base = [float(r.get("base_yuan") or 0) for r in rows]
    incentive = [float(r.get("incentive_yuan") or 0) for r in rows]
    fig, ax = _figure(max(7.0, 0.9 * len(rows) + 2), 4.6)
    x = range(len(rows))
    ax.bar(x, base, color="#3b6ea8", label="Base")
    bars = ax.bar(x, incentive, bottom=base, color="#e3a33b", label="Incentive")
    ax.bar_label(
        bars, labels=[format_money(r.get("total_yuan")) for r in rows], fontsize=7, padding=2
    )
    _district_ticks(ax, labels)
    ax.set_ylabel("yuan")
    ax.set_title("Allocation per district (base + incentive)")
    ax.legend(frameon=False)
    _yuan_axis(ax)
    return Chart("allocation.png", _png(fig), "Allocation per district: base and incentive, yuan")


@_kept_for_its_data
def changes_chart(rows: list[dict[str, Any]], names: dict[str, tuple[str, str]]) -> Chart | None:
    return delta_chart(
        rows,
        names,
        "changes.png",
        "Change of total against the previous publication",
        "Change of each district's total against the previous run, yuan",
    )


def delta_chart(
    rows: list[dict[str, Any]],
    names: dict[str, tuple[str, str]],
    file_name: str,
    title: str,
    alt: str,
) -> Chart | None:
    """Each district's `delta_yuan` as a bar, gains green and losses red: a change against the
    previous publication, or a what-if scenario against the published allocation."""
    rows = [r for r in rows if r.get("delta_yuan") is not None]
    if not rows:
        return None
    labels = [names.get(r["district_code"], ("", ""))[1] or r["district_code"] for r in rows]
    deltas = [float(r["delta_yuan"]) for r in rows]
    fig, ax = _figure(max(7.0, 0.9 * len(rows) + 2), 3.8)
    x = range(len(rows))
    bars = ax.bar(x, deltas, color=["#2e8b57" if d >= 0 else "#c0392b" for d in deltas])
    ax.bar_label(
        bars, labels=[format_money_delta(r["delta_yuan"]) for r in rows], fontsize=7, padding=2
    )
    ax.axhline(0, color="#555555", linewidth=0.8)
    _district_ticks(ax, labels)
    ax.set_ylabel("yuan")
    ax.set_title(title)
    _yuan_axis(ax)
    return Chart(file_name, _png(fig), alt)


@_kept_for_its_data
def kiosk_chart(rows: list[dict[str, Any]]) -> Chart | None:
    if not rows:
        return None
    labels = [_label(r) for r in rows]
    series = [
        ("collected_yuan", "Collected", "#3b6ea8"),
        ("spent_city_mgmt_yuan", "Spent on city management", "#2e8b57"),
        ("diverted_yuan", "Diverted", "#c0392b"),
    ]
    fig, ax = _figure(max(7.0, 1.0 * len(rows) + 2), 4.0)
    width = 0.27
    for i, (key, label, colour) in enumerate(series):
        xs = [j + (i - 1) * width for j in range(len(rows))]
        ax.bar(xs, [float(r.get(key) or 0) for r in rows], width, color=colour, label=label)
    _district_ticks(ax, labels)
    ax.set_ylabel("yuan")
    ax.set_title("Kiosk fees per district")
    ax.legend(frameon=False)
    _yuan_axis(ax)
    return Chart(
        "kiosk.png",
        _png(fig),
        "Kiosk fees per district: collected, spent on city management, diverted",
    )


@_kept_for_its_data
def year_over_year_chart(
    rows: list[dict[str, Any]], names: dict[str, tuple[str, str]]
) -> Chart | None:
    """Growth of standard cost against growth of the money, per district and for the city."""
    rows = [r for r in rows if r.get("comparison") == "compared"]
    if not rows:
        return None
    labels = [
        "City" if r.get("district_code") is None
        else names.get(r["district_code"], ("", ""))[1] or r["district_code"]
        for r in rows
    ]  # fmt: skip
    series = [
        ("standard_cost_growth_pct", "Standard cost growth", "#3b6ea8"),
        ("total_growth_pct", "Allocation growth", "#2e8b57"),
    ]
    fig, ax = _figure(max(7.0, 1.0 * len(rows) + 2), 4.0)
    width = 0.4
    for i, (key, label, colour) in enumerate(series):
        xs = [j + (i - 0.5) * width for j in range(len(rows))]
        ax.bar(xs, [float(r.get(key) or 0) for r in rows], width, color=colour, label=label)
    ax.axhline(0, color="#555555", linewidth=0.8)
    ax.set_xticks(list(range(len(rows))), labels, rotation=30, ha="right")
    ax.set_ylabel("% against last year")
    ax.set_title("Growth against the previous fiscal year")
    ax.legend(frameon=False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    return Chart(
        "year_over_year.png",
        _png(fig),
        "Growth of standard cost and of the allocation against last year, percent",
    )
