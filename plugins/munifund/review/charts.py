"""The page's charts as PNG: allocation per district, change against the last run, kiosk
fees, and growth against last year. Drawn with matplotlib's Agg canvas; the bytes depend on the data only.

Chinese first, for the finance bureau: districts by their Chinese names, titles, axes and
legends in Chinese then English, amounts in 元 / yuan. The CJK glyphs come from the font that
ships with the package (``fonts/``: Noto Sans CJK SC cut to GB 2312, SIL OFL 1.1), not from
whatever the machine has installed, so every machine draws the same chart.

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


#: The charts' font, shipped with the package (fonts/OFL.txt), and its family name.
FONT_FILE = Path(__file__).parent / "fonts" / "MunifundSansSC-Regular.otf"
FONT_FAMILY = "Munifund Sans SC"
#: What a character outside the shipped font falls back to (matplotlib's own Latin font).
FALLBACK_FAMILY = "DejaVu Sans"


@functools.cache
def chart_font() -> str:
    """The shipped CJK font, made known to matplotlib once per process; its family name."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(FONT_FILE))
    return font_manager.FontProperties(fname=FONT_FILE).get_name()


def _style():
    """The charts' text settings: the shipped CJK font first, matplotlib's own after it (a
    glyph the first lacks is taken from the next), a true minus sign the font has."""
    import matplotlib

    return matplotlib.rc_context(
        {
            "font.family": [chart_font(), FALLBACK_FAMILY],
            "axes.unicode_minus": True,
        }
    )


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


def _drawn(draw: Callable[..., Chart | None]) -> Callable[..., Chart | None]:
    """``draw`` with the charts' fonts in force while it draws (text takes its font when it
    is made and when it is drawn, both inside)."""

    @functools.wraps(draw)
    def styled(*args: Any) -> Chart | None:
        with _style():
            return draw(*args)

    return styled


def _yuan_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _label(row: dict[str, Any]) -> str:
    """A district under its bar: its Chinese name, else its English name, else its code."""
    return str(row.get("name_zh") or row.get("name_en") or row.get("district_code") or "?")


def _name(names: dict[str, tuple[str, str]], code: str) -> str:
    zh, en = names.get(code, ("", ""))
    return zh or en or code


def _district_ticks(ax, labels: list[str]) -> None:
    """The districts' names under the bars, as delivered: a "$" in a name is not mathtext
    (a malformed formula would fail the whole pack), and a long name is cut."""
    shown = [t if len(t) <= LABEL_LIMIT else t[: LABEL_LIMIT - 1] + "…" for t in labels]
    ax.set_xticks(range(len(labels)), shown, rotation=30, ha="right", parse_math=False)


@_kept_for_its_data
@_drawn
def allocation_chart(rows: list[dict[str, Any]]) -> Chart | None:
    if not rows:
        return None
    labels = [_label(r) for r in rows]
    base = [float(r.get("base_yuan") or 0) for r in rows]
    incentive = [float(r.get("incentive_yuan") or 0) for r in rows]
    fig, ax = _figure(max(7.0, 0.9 * len(rows) + 2), 4.6)
    x = range(len(rows))
    ax.bar(x, base, color="#3b6ea8", label="基础分配 Base")
    bars = ax.bar(x, incentive, bottom=base, color="#e3a33b", label="奖励 Incentive")
    ax.bar_label(
        bars, labels=[format_money(r.get("total_yuan")) for r in rows], fontsize=7, padding=2
    )
    _district_ticks(ax, labels)
    ax.set_ylabel("元 / yuan")
    ax.set_title("各区分配（基础 + 奖励） / Allocation per district (base + incentive)")
    ax.legend(frameon=False)
    _yuan_axis(ax)
    return Chart(
        "allocation.png",
        _png(fig),
        "各区分配：基础与奖励，元 / Allocation per district: base and incentive, yuan",
    )


@_kept_for_its_data
def changes_chart(rows: list[dict[str, Any]], names: dict[str, tuple[str, str]]) -> Chart | None:
    return delta_chart(
        rows,
        names,
        "changes.png",
        "与上次发布相比的变动 / Change of total against the previous publication",
        "各区合计较上次发布的变动，元 / Change of each district's total against the previous run, yuan",
    )


@_drawn
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
    labels = [_name(names, r["district_code"]) for r in rows]
    deltas = [float(r["delta_yuan"]) for r in rows]
    fig, ax = _figure(max(7.0, 0.9 * len(rows) + 2), 3.8)
    x = range(len(rows))
    bars = ax.bar(x, deltas, color=["#2e8b57" if d >= 0 else "#c0392b" for d in deltas])
    ax.bar_label(
        bars, labels=[format_money_delta(r["delta_yuan"]) for r in rows], fontsize=7, padding=2
    )
    ax.axhline(0, color="#555555", linewidth=0.8)
    _district_ticks(ax, labels)
    ax.set_ylabel("元 / yuan")
    ax.set_title(title)
    _yuan_axis(ax)
    return Chart(file_name, _png(fig), alt)


@_kept_for_its_data
@_drawn
def kiosk_chart(rows: list[dict[str, Any]]) -> Chart | None:
    if not rows:
        return None
    labels = [_label(r) for r in rows]
    series = [
        ("collected_yuan", "收缴 Collected", "#3b6ea8"),
        ("spent_city_mgmt_yuan", "用于城市管理 Spent on city management", "#2e8b57"),
        ("diverted_yuan", "挪用 Diverted", "#c0392b"),
    ]
    fig, ax = _figure(max(7.0, 1.0 * len(rows) + 2), 4.0)
    width = 0.27
    for i, (key, label, colour) in enumerate(series):
        xs = [j + (i - 1) * width for j in range(len(rows))]
        ax.bar(xs, [float(r.get(key) or 0) for r in rows], width, color=colour, label=label)
    _district_ticks(ax, labels)
    ax.set_ylabel("元 / yuan")
    ax.set_title("各区占道费 / Kiosk fees per district")
    ax.legend(frameon=False)
    _yuan_axis(ax)
    return Chart(
        "kiosk.png",
        _png(fig),
        "各区占道费：收缴、用于城市管理、挪用，元 / Kiosk fees per district: collected,"
        " spent on city management, diverted, yuan",
    )


@_kept_for_its_data
@_drawn
def year_over_year_chart(
    rows: list[dict[str, Any]], names: dict[str, tuple[str, str]]
) -> Chart | None:
    """Growth of standard cost against growth of the money, per district and for the city."""
    rows = [r for r in rows if r.get("comparison") == "compared"]
    if not rows:
        return None
    labels = [
        "全市" if r.get("district_code") is None else _name(names, r["district_code"]) for r in rows
    ]
    series = [
        ("standard_cost_growth_pct", "标准经费增长 Standard cost growth", "#3b6ea8"),
        ("total_growth_pct", "分配增长 Allocation growth", "#2e8b57"),
    ]
    fig, ax = _figure(max(7.0, 1.0 * len(rows) + 2), 4.0)
    width = 0.4
    for i, (key, label, colour) in enumerate(series):
        xs = [j + (i - 0.5) * width for j in range(len(rows))]
        ax.bar(xs, [float(r.get(key) or 0) for r in rows], width, color=colour, label=label)
    ax.axhline(0, color="#555555", linewidth=0.8)
    _district_ticks(ax, labels)
    ax.set_ylabel("较上年 % / % against last year")
    ax.set_title("与上一财政年度相比的增长 / Growth against the previous fiscal year")
    ax.legend(frameon=False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    return Chart(
        "year_over_year.png",
        _png(fig),
        "标准经费与分配较上年的增长，% / Growth of standard cost and of the allocation"
        " against last year, percent",
    )
