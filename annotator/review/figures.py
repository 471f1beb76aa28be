"""The layout of the review dashboard's charts: where every shape and label goes (no Flask
import, no markup).

Each builder returns a figure, plain data that the ``figure`` macro of
``templates/review/_charts.html`` turns into a ``<figure>`` holding an SVG (``role="img"``,
``<title>``, ``<desc>``) and the same numbers as an HTML table in a ``<details>``; Jinja
escapes every piece of text there. A figure is ``{"id", "title", "desc", "width", "height",
"shapes", "caption", "table": {"caption", "head", "rows"}}``; a shape is a dict whose
``el`` names the SVG element (rect, text, line, polyline, circle). Colours come from CSS
classes (``static/css/app.css``, section "Review charts") that use the theme variables, so the
charts read in light and dark themes; intensities are ``fill-opacity`` presentation attributes
(the CSP forbids inline style).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ..labels import default_colour
from .intervals import TOO_FEW, describe_field

__all__ = ["heatmap", "stacked_bars", "kappa_matrix", "line_chart", "intervals_chart",
           "reliability_diagram", "fmt"]

CHAR_W = 6.6  # rough width of a 12px character, for laying out labels


def fmt(x, digits: int = 3) -> str:
    """A number for people: fixed digits, '–' for null."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:.{digits}f}"


def _short(text, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: max(1, n - 1)] + "…"


def _name_width(names: Sequence[str], limit: int = 22) -> float:
    return min(limit, max((len(str(n)) for n in names), default=4)) * CHAR_W + 12


def _text(x, y, text, cls: str = "", anchor: str = "start", rotate: float | None = None) -> dict:
    return {"el": "text", "x": x, "y": y, "text": str(text), "cls": cls, "anchor": anchor,
            "rotate": rotate}


def _rect(x, y, w, h, cls: str, opacity: float | None = None, tip: str | None = None) -> dict:
    return {"el": "rect", "x": x, "y": y, "w": w, "h": h, "cls": cls, "opacity": opacity,
            "tip": tip}


def _line(x1, y1, x2, y2, cls: str) -> dict:
    return {"el": "line", "x1": x1, "y1": y1, "x2": x2, "y2": y2, "cls": cls}


def _figure(chart_id: str, title: str, desc: str, width: float, height: float, shapes: list,
            table_caption: str, head: Sequence, rows: Sequence[Sequence],
            caption: str | None = None) -> dict:
    return {"id": chart_id, "title": title, "desc": desc, "width": int(math.ceil(width)),
            "height": int(math.ceil(height)), "shapes": shapes, "caption": caption,
            "table": {"caption": table_caption, "head": [str(h) for h in head],
                      "rows": [[str(c) for c in row] for row in rows]}}


# ------------------------------------------------------------------------- coincidence heat map


def heatmap(matrix: Mapping[str, Mapping[str, float]], labels: Sequence[str],
            names: Mapping[str, str] | None = None, chart_id: str = "coincidence",
            title: str = "Coincidence matrix") -> dict:
    """Labels x labels heat map of pairable values (e.g. the coincidence matrix): darker cells
    hold more; the diagonal is agreement."""
    names = dict(names or {})
    shown = [names.get(l, l) for l in labels]
    k = len(labels)
    longest = max((len(n) for n in shown), default=4)
    cell = int(max(64, min(124, min(longest, 18) * CHAR_W + 10)))
    left = _name_width(shown, 18)
    top = 34
    values = [[float(matrix.get(a, {}).get(b, 0.0) or 0.0) for b in labels] for a in labels]
    vmax = max((v for row in values for v in row), default=0.0) or 1.0
    shapes = [_text(left + k * cell / 2, 12, "second label of a pair", "axis-label", "middle")]
    for j, name in enumerate(shown):
        shapes.append(_text(left + j * cell + cell / 2, top - 6, _short(name, 18), "", "middle"))
    for i, name in enumerate(shown):
        y = top + i * cell
        shapes.append(_text(left - 6, y + cell / 2 + 4, _short(name, 18), "", "end"))
        for j in range(k):
            v = values[i][j]
            x = left + j * cell
            shapes += [
                _rect(x, y, cell - 2, cell - 2, "cell agree" if i == j else "cell",
                      0.08 + 0.92 * (v / vmax) if v > 0 else 0.0,
                      f"{shown[i]} / {shown[j]}: {fmt(v, 1)}"),
                _rect(x, y, cell - 2, cell - 2, "cell-frame"),
                _text(x + cell / 2 - 1, y + cell / 2 + 4, fmt(v, 1), "cell-text", "middle")]
    total = sum(sum(r) for r in values)
    diag = sum(values[i][i] for i in range(k))
    desc = (f"{k} by {k} matrix of label pairs within sentences; {fmt(diag, 1)} of "
            f"{fmt(total, 1)} pairable values lie on the diagonal (agreement).")
    return _figure(chart_id, title, desc, left + k * cell + 8, top + k * cell + 8, shapes,
                   title + " (rows: one label of a pair, columns: the other)", [""] + shown,
                   [[shown[i]] + [fmt(v, 1) for v in values[i]] for i in range(k)])


# ----------------------------------------------------------------- label distribution per annotator


def stacked_bars(rows: Sequence[tuple[str, Mapping[str, int]]], labels: Sequence[str],
                 names: Mapping[str, str] | None = None, chart_id: str = "distribution",
                 title: str = "Label distribution per annotator",
                 colours: Mapping[str, int] | None = None) -> dict:
    """One horizontal bar per row (an annotator), split by label share; counts in the table.
    `colours`: label id -> palette number (labels.colours), else by position."""
    names = dict(names or {})
    colour = [(colours or {}).get(l) or default_colour(c) for c, l in enumerate(labels)]
    shown = [names.get(l, l) for l in labels]
    left = _name_width([r[0] for r in rows])
    bar_w, bar_h, gap = 420.0, 22, 8
    top = 30
    shapes = []
    x = left  # the legend
    for c, name in enumerate(shown):
        shapes += [_rect(x, 6, 12, 12, f"seg seg-{colour[c]}"), _text(x + 16, 16, _short(name, 22))]
        x += 16 + min(len(name), 22) * CHAR_W + 16
    legend_w = x
    for i, (who, dist) in enumerate(rows):
        y = top + i * (bar_h + gap)
        total = sum(int(dist.get(l, 0)) for l in labels)
        shapes += [_text(left - 6, y + bar_h / 2 + 4, _short(who, 22), "", "end"),
                   _rect(left, y, bar_w, bar_h, "track")]
        cx = left
        for c, lab in enumerate(labels):
            n = int(dist.get(lab, 0))
            if not total or not n:
                continue
            w = bar_w * n / total
            share = n / total
            shapes.append(_rect(cx, y, w, bar_h, f"seg seg-{colour[c]}",
                                tip=f"{who}: {shown[c]} {n:,} ({share:.0%})"))
            if w >= 34:
                shapes.append(_text(cx + w / 2, y + bar_h / 2 + 4, f"{share:.0%}",
                                    f"on-seg seg-{colour[c]}", "middle"))
            cx += w
        shapes.append(_text(left + bar_w + 6, y + bar_h / 2 + 4, f"{total:,}", "muted"))
    desc = (f"One bar per annotator ({len(rows)}), divided by the share of each label "
            f"({', '.join(shown)}); the number after a bar is the annotator's label count.")
    table = []
    for who, dist in rows:
        total = sum(int(dist.get(l, 0)) for l in labels)
        table.append([who] + [f"{int(dist.get(l, 0)):,} ({(int(dist.get(l, 0)) / total if total else 0):.0%})"
                              for l in labels] + [f"{total:,}"])
    return _figure(chart_id, title, desc, max(left + bar_w + 60, legend_w),
                   top + max(1, len(rows)) * (bar_h + gap), shapes,
                   title, ["annotator"] + shown + ["total"], table)


# ------------------------------------------------------------------------ pairwise kappa matrix


def kappa_matrix(annotators: Sequence[str], pairs: Sequence[Mapping], chart_id: str = "kappa",
                 title: str = "Cohen's kappa for each pair of annotators") -> dict:
    """Annotator x annotator grid of Cohen's kappa (``pairs``: {"a", "b", "n", "kappa"}).
    Positive kappa is shaded in the accent colour, negative in the warning colour; blank: the
    pair shares no sentence; '–': kappa undefined."""
    names = list(annotators)
    index = {a: i for i, a in enumerate(names)}
    R = len(names)
    grid: list[list[Mapping | None]] = [[None] * R for _ in range(R)]
    for p in pairs:
        i, j = index.get(p["a"]), index.get(p["b"])
        if i is None or j is None:
            continue
        grid[i][j] = grid[j][i] = p
    cell = 56 if R <= 8 else 40
    left = _name_width(names, 16)
    top = 26 + min(16, max((len(n) for n in names), default=4)) * CHAR_W * 0.75
    shapes = [_text(left + j * cell + cell / 2, top - 6, _short(name, 16), rotate=-45)
              for j, name in enumerate(names)]
    for i, name in enumerate(names):
        y = top + i * cell
        shapes.append(_text(left - 6, y + cell / 2 + 4, _short(name, 16), "", "end"))
        for j in range(R):
            x = left + j * cell
            p = grid[i][j]
            if i == j:
                shapes.append(_rect(x, y, cell - 2, cell - 2, "cell-frame diag"))
            elif p is None:
                shapes.append(_rect(x, y, cell - 2, cell - 2, "cell-frame empty",
                                    tip=f"{name} and {names[j]} share no sentence"))
            else:
                kap = p.get("kappa")
                few = bool(p.get("kappa_too_few"))
                shapes += [
                    _rect(x, y, cell - 2, cell - 2,
                          "cell neg" if kap is not None and kap < 0 else "cell",
                          0.0 if kap is None else 0.1 + 0.9 * min(1.0, abs(kap)),
                          f"{name} and {names[j]}: kappa {fmt(kap, 2)} over "
                          f"{int(p.get('n', 0)):,} sentences{_ci_words(p.get('kappa_ci95'))}"
                          + (f" ({TOO_FEW})" if few else "")),
                    # too few shared sentences to judge: a dashed frame in the warning colour
                    _rect(x, y, cell - 2, cell - 2, "cell-frame too-few" if few else "cell-frame"),
                    _text(x + cell / 2 - 1, y + cell / 2 + 4, fmt(kap, 2), "cell-text", "middle")]
    defined = [p["kappa"] for p in pairs if p.get("kappa") is not None]
    desc = (f"Kappa for {len(pairs)} pairs of {R} annotators"
            + (f", from {min(defined):.2f} to {max(defined):.2f}." if defined else "."))
    return _figure(chart_id, title, desc, left + R * cell + 40, top + R * cell + 8, shapes, title,
                   ["annotator A", "annotator B", "shared sentences", "kappa", "95% interval", ""],
                   [[p["a"], p["b"], f"{int(p.get('n', 0)):,}", fmt(p.get("kappa"), 3),
                     _ci_words(p.get("kappa_ci95")).strip(" ,") or "–",
                     TOO_FEW if p.get("kappa_too_few") else ""] for p in pairs])


def _ci_words(ci) -> str:
    return f", 95% interval {fmt(ci[0], 2)} to {fmt(ci[1], 2)}" if ci else ""


# ---------------------------------------------------------------------------- agreement over time


def line_chart(points: Sequence[Mapping], series: Sequence[tuple[str, str]], x_key: str = "until",
               chart_id: str = "over-time", title: str = "Agreement over time",
               y_range: tuple[float, float] = (0.0, 1.0),
               thresholds: Sequence[tuple[float, str]] = ((0.667, "0.667"), (0.8, "0.800")),
               x_title: str = "", extra_columns: Sequence[tuple[str, str]] = ()) -> dict:
    """A line per series (``series``: (key, name)) over ``points`` (mappings with ``x_key`` and
    the series keys; null values break the line), with dashed reference lines."""
    lo, hi = y_range
    vals = [p.get(k) for p in points for k, _ in series if p.get(k) is not None]
    if vals:
        lo = min(lo, math.floor(min(vals) * 10) / 10)
        hi = max(hi, math.ceil(max(vals) * 10) / 10)
    left, right, top, bottom = 46, 150, 24, 46
    pw, ph = 560.0, 220.0
    n = len(points)

    def X(i):
        return left + (pw * (i / (n - 1)) if n > 1 else pw / 2)

    def Y(v):
        return top + ph * (1 - (v - lo) / ((hi - lo) or 1))

    shapes = [_line(left, top, left, top + ph, "axis"), _line(left, top + ph, left + pw, top + ph, "axis")]
    step = 0.2 if hi - lo <= 1.2 else 0.5
    t = math.ceil(lo / step) * step
    while t <= hi + 1e-9:
        shapes += [_line(left, Y(t), left + pw, Y(t), "grid"), _text(left - 6, Y(t) + 4, f"{t:.1f}", "", "end")]
        t += step
    for value, name in thresholds:
        if lo <= value <= hi:
            shapes += [_line(left, Y(value), left + pw, Y(value), "threshold"),
                       _text(left + pw + 4, Y(value) + 4, name, "muted")]
    # x labels: at most 6, the last one always, never two crowded together
    if n:
        every = max(1, math.ceil(n / 6))
        ticks = list(range(0, n, every))
        if ticks[-1] != n - 1:
            if n - 1 - ticks[-1] < every * 0.6 and len(ticks) > 1:
                ticks[-1] = n - 1
            else:
                ticks.append(n - 1)
        shapes += [_text(X(i), top + ph + 16, str(points[i].get(x_key, ""))[:10], "", "middle")
                   for i in ticks]
    if x_title:
        shapes.append(_text(left + pw / 2, top + ph + 36, x_title, "axis-label", "middle"))
    for s, (key, name) in enumerate(series):
        cls = f"line line-{s % 6 + 1}"
        seg: list[tuple[float, float]] = []
        for i, p in enumerate(points):
            v = p.get(key)
            if v is None:
                if len(seg) > 1:
                    shapes.append({"el": "polyline", "points": seg, "cls": cls})
                seg = []
                continue
            seg.append((X(i), Y(v)))
            shapes.append({"el": "circle", "cx": X(i), "cy": Y(v), "r": 3, "cls": f"dot dot-{s % 6 + 1}",
                           "tip": f"{name} until {p.get(x_key, '')}: {fmt(v)}"})
        if len(seg) > 1:
            shapes.append({"el": "polyline", "points": seg, "cls": cls})
        ly = top + 14 + s * 18  # the legend, on the right
        shapes += [_line(left + pw + 44, ly - 4, left + pw + 60, ly - 4, cls),
                   _text(left + pw + 64, ly, _short(name, 12))]
    if points:
        desc = (f"{n} points from {points[0].get(x_key, '')} to {points[-1].get(x_key, '')}; "
                + "; ".join(f"{name}: last {fmt(points[-1].get(key))}" for key, name in series)
                + ". Dashed lines mark " + " and ".join(t for _, t in thresholds) + ".")
    else:
        desc = "No data."
    head = [x_title or x_key] + [c for _, c in extra_columns] + [name for _, name in series]
    rows = [[p.get(x_key, "")] + [fmt(p.get(k)) for k, _ in extra_columns]
            + [fmt(p.get(k)) for k, _ in series] for p in points]
    return _figure(chart_id, title, desc, left + pw + right, top + ph + bottom, shapes, title, head, rows)


# ------------------------------------------------------------- per-annotator figures, with intervals


def intervals_chart(entries: Sequence[Mapping], name: str, chart_id: str, title: str,
                    minimum: int) -> dict:
    """One row per annotator: a share on a 0–100% axis as a dot, its 95% interval as an error
    bar, and n; a figure on fewer than ``minimum`` items is drawn hollow and dashed and says
    "too few to judge". ``entries`` carry the fields NAME, NAME_n, NAME_ci95, NAME_too_few
    (:class:`~annotator.review.intervals.Figure`) and "annotator"."""
    left = _name_width([e["annotator"] for e in entries])
    pw, row_h, top = 360.0, 26, 28

    def X(v):
        return left + pw * v

    shapes = []
    for t in range(0, 101, 20):
        shapes += [_line(X(t / 100), top - 6, X(t / 100), top + max(1, len(entries)) * row_h, "grid"),
                   _text(X(t / 100), top - 10, f"{t}%", "muted", "middle")]
    table = []
    for i, e in enumerate(entries):
        who, v, ci = e["annotator"], e[name], e[f"{name}_ci95"]
        n, few = e[f"{name}_n"], e[f"{name}_too_few"]
        y = top + i * row_h + row_h / 2
        text = describe_field(e, name)
        shapes.append(_text(left - 6, y + 4, _short(who, 22), "", "end"))
        cls = " too-few" if few else ""
        if ci is not None:
            shapes += [_line(X(ci[0]), y, X(ci[1]), y, "ci-bar" + cls),
                       _line(X(ci[0]), y - 5, X(ci[0]), y + 5, "ci-bar" + cls),
                       _line(X(ci[1]), y - 5, X(ci[1]), y + 5, "ci-bar" + cls)]
        if v is not None:
            shapes.append({"el": "circle", "cx": X(v), "cy": y, "r": 4, "cls": "ci-dot" + cls,
                           "tip": f"{who}: {text}"})
        shapes.append(_text(left + pw + 10, y + 4, f"n={n:,}" + (f", {TOO_FEW}" if few else ""),
                            "muted" if few else ""))
        table.append([who, fmt(v), "–" if ci is None else f"{fmt(ci[0])} – {fmt(ci[1])}",
                      f"{n:,}", "yes" if few else "no"])
    judged = sum(1 for e in entries if not e[f"{name}_too_few"])
    desc = (f"{len(entries)} annotators, each a share from 0 to 100% with its 95% bootstrap "
            f"interval and n; {len(entries) - judged} on fewer than {minimum} items, too few "
            "to judge, drawn hollow with dashed bars.")
    return _figure(chart_id, title, desc, left + pw + 10 + 30 * CHAR_W,
                   top + max(1, len(entries)) * row_h + 6, shapes, title,
                   ["annotator", "value", "95% interval", "n", TOO_FEW], table)


# ------------------------------------------------------------------ the model's calibration


def reliability_diagram(cal: Mapping, chart_id: str = "calibration",
                        title: str = "Calibration of the model on gold and control items") -> dict:
    """A reliability diagram of review/model_rater.calibration: per bin of the model's
    confidence a bar up to the share it got right, a dot at (mean confidence, that share) and
    n above; the diagonal is perfect calibration."""
    left, top, size, bottom, right = 50, 20, 300.0, 46, 20

    def X(v):
        return left + size * v

    def Y(v):
        return top + size * (1 - v)

    shapes = [_line(left, top, left, top + size, "axis"), _line(left, top + size, left + size, top + size, "axis")]
    for t in range(0, 11, 2):
        v = t / 10
        shapes += [_line(left, Y(v), left + size, Y(v), "grid"),
                   _text(left - 6, Y(v) + 4, f"{v:.1f}", "", "end"),
                   _text(X(v), top + size + 16, f"{v:.1f}", "", "middle")]
    shapes.append(_line(X(0), Y(0), X(1), Y(1), "threshold"))
    shapes += [_text(left + size / 2, top + size + 36, "the model's confidence (its top probability)",
                     "axis-label", "middle"),
               _text(14, top + size / 2, "share right", "axis-label", "middle", rotate=-90)]
    rows = []
    for b in cal["bins"]:
        lo, hi, n = b["from"], b["to"], b["n"]
        rows.append([f"{lo:.1f}–{hi:.1f}", f"{n:,}", fmt(b["confidence"]), fmt(b["accuracy"]),
                     fmt(None if not n else b["accuracy"] - b["confidence"])])
        if not n:
            continue
        acc = b["accuracy"]
        tip = (f"confidence {lo:.1f}–{hi:.1f}: {acc:.0%} right of {n:,} "
               f"(mean confidence {b['confidence']:.2f})")
        shapes.append(_rect(X(lo) + 2, Y(acc), size * (hi - lo) - 4, size * acc, "bar calib-bar", tip=tip))
        shapes.append({"el": "circle", "cx": X(b["confidence"]), "cy": Y(acc), "r": 3,
                       "cls": "dot dot-1", "tip": tip})
        shapes.append(_text(X((lo + hi) / 2), Y(acc) - 4, f"{n:,}", "muted", "middle"))
    ece = cal.get("ece")
    desc = (f"{cal['n']:,} gold and control items in {sum(1 for b in cal['bins'] if b['n'])} "
            f"bins of confidence; ECE {fmt(ece)}"
            + (f"; right {cal['accuracy']:.0%} at a mean confidence of {cal['mean_confidence']:.2f}"
               if cal.get("accuracy") is not None else "")
            + ". Bars on the diagonal are perfectly calibrated; below it, overconfident.")
    return _figure(chart_id, title, desc, left + size + right, top + size + bottom, shapes, title,
                   ["confidence", "n", "mean confidence", "share right", "gap"], rows,
                   caption=f"n per bin above each bar; expected calibration error (ECE) {fmt(ece)}.")
