"""Small server-side SVG charts for the review dashboard (no Flask import, no JavaScript).

Each builder returns :class:`markupsafe.Markup`: a ``<figure>`` holding an SVG with
``role="img"``, a ``<title>`` and a ``<desc>``, followed by the same numbers as a plain HTML table
in a ``<details>`` element. Every piece of text is escaped here. Colours come from CSS classes
(``static/css/app.css``, section "Review charts") that use the theme variables, so the charts
read in light and dark themes; intensities are ``fill-opacity`` presentation attributes (the
CSP forbids inline style).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

__all__ = ["heatmap", "stacked_bars", "kappa_matrix", "line_chart", "fmt"]

CHAR_W = 6.6  # rough width of a 12px character, for laying out labels


def fmt(x, digits: int = 3) -> str:
    """A number for people: fixed digits, '–' for null."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:.{digits}f}"


def _e(text) -> str:
    return str(escape(str(text)))


def _short(text: str, n: int) -> str:
    text = str(text)
    return text if len(text) <= n else text[: max(1, n - 1)] + "…"


def _svg(chart_id: str, title: str, desc: str, width: float, height: float, body: list[str]) -> str:
    w, h = int(math.ceil(width)), int(math.ceil(height))
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
            f'aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc">'
            f'<title id="{_e(chart_id)}-title">{_e(title)}</title>'
            f'<desc id="{_e(chart_id)}-desc">{_e(desc)}</desc>' + "".join(body) + "</svg>")


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence], row_header: bool = True) -> str:
    out = [f"<table class=\"chart-table\"><caption>{_e(caption)}</caption><thead><tr>"]
    out += [f'<th scope="col">{_e(h)}</th>' for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            if i == 0 and row_header:
                out.append(f'<th scope="row">{_e(cell)}</th>')
            else:
                out.append(f'<td class="num">{_e(cell)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _figure(chart_id: str, svg: str, table: str, caption: str | None = None) -> Markup:
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return Markup(f'<figure class="chart-figure" id="{_e(chart_id)}">{svg}{cap}'
                  f"<details><summary>The numbers as a table</summary>{table}</details></figure>")


def _text(x, y, text, cls: str = "", anchor: str = "start", extra: str = "") -> str:
    c = f' class="{_e(cls)}"' if cls else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}{extra}>{_e(text)}</text>')


def _name_width(names: Sequence[str], limit: int = 22) -> float:
    return min(limit, max((len(str(n)) for n in names), default=4)) * CHAR_W + 12


# ------------------------------------------------------------------------- coincidence heat map


def heatmap(matrix: Mapping[str, Mapping[str, float]], labels: Sequence[str],
            names: Mapping[str, str] | None = None, chart_id: str = "coincidence",
            title: str = "Coincidence matrix") -> Markup:
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
    body = [_text(left + k * cell / 2, 12, "second label of a pair", "axis-label", "middle")]
    for j, name in enumerate(shown):
        body.append(_text(left + j * cell + cell / 2, top - 6, _short(name, 18), "", "middle"))
    for i, name in enumerate(shown):
        y = top + i * cell
        body.append(_text(left - 6, y + cell / 2 + 4, _short(name, 18), "", "end"))
        for j in range(k):
            v = values[i][j]
            op = 0.08 + 0.92 * (v / vmax) if v > 0 else 0.0
            cls = "cell agree" if i == j else "cell"
            body.append(f'<rect class="{cls}" x="{left + j * cell:.1f}" y="{y:.1f}" width="{cell - 2}" '
                        f'height="{cell - 2}" fill-opacity="{op:.3f}"><title>{_e(shown[i])} / '
                        f'{_e(shown[j])}: {_e(fmt(v, 1))}</title></rect>')
            body.append(f'<rect class="cell-frame" x="{left + j * cell:.1f}" y="{y:.1f}" '
                        f'width="{cell - 2}" height="{cell - 2}"/>')
            body.append(_text(left + j * cell + cell / 2 - 1, y + cell / 2 + 4, fmt(v, 1),
                              "cell-text", "middle"))
    width = left + k * cell + 8
    height = top + k * cell + 8
    total = sum(sum(r) for r in values)
    diag = sum(values[i][i] for i in range(k))
    desc = (f"{k} by {k} matrix of label pairs within sentences; {fmt(diag, 1)} of "
            f"{fmt(total, 1)} pairable values lie on the diagonal (agreement).")
    svg = _svg(chart_id, title, desc, width, height, body)
    table = _table(title + " (rows: one label of a pair, columns: the other)",
                   [""] + shown, [[shown[i]] + [fmt(v, 1) for v in values[i]] for i in range(k)])
    return _figure(chart_id, svg, table)


# ----------------------------------------------------------------- label distribution per annotator


def stacked_bars(rows: Sequence[tuple[str, Mapping[str, int]]], labels: Sequence[str],
                 names: Mapping[str, str] | None = None, chart_id: str = "distribution",
                 title: str = "Label distribution per annotator") -> Markup:
    """One horizontal bar per row (an annotator), split by label share; counts in the table."""
    names = dict(names or {})
    shown = [names.get(l, l) for l in labels]
    left = _name_width([r[0] for r in rows])
    bar_w, bar_h, gap = 420.0, 22, 8
    top = 30
    body = []
    # legend
    x = left
    for c, name in enumerate(shown):
        body.append(f'<rect class="seg seg-{c % 6 + 1}" x="{x:.1f}" y="6" width="12" height="12"/>')
        body.append(_text(x + 16, 16, _short(name, 22)))
        x += 16 + min(len(name), 22) * CHAR_W + 16
    legend_w = x
    for i, (who, dist) in enumerate(rows):
        y = top + i * (bar_h + gap)
        total = sum(int(dist.get(l, 0)) for l in labels)
        body.append(_text(left - 6, y + bar_h / 2 + 4, _short(who, 22), "", "end"))
        body.append(f'<rect class="track" x="{left:.1f}" y="{y}" width="{bar_w}" height="{bar_h}"/>')
        cx = left
        for c, lab in enumerate(labels):
            n = int(dist.get(lab, 0))
            if not total or not n:
                continue
            w = bar_w * n / total
            share = n / total
            body.append(f'<rect class="seg seg-{c % 6 + 1}" x="{cx:.1f}" y="{y}" width="{w:.1f}" '
                        f'height="{bar_h}"><title>{_e(who)}: {_e(shown[c])} {n:,} '
                        f'({share:.0%})</title></rect>')
            if w >= 34:
                body.append(_text(cx + w / 2, y + bar_h / 2 + 4, f"{share:.0%}", "on-seg", "middle"))
            cx += w
        body.append(_text(left + bar_w + 6, y + bar_h / 2 + 4, f"{total:,}", "muted"))
    width = max(left + bar_w + 60, legend_w)
    height = top + max(1, len(rows)) * (bar_h + gap)
    desc = (f"One bar per annotator ({len(rows)}), divided by the share of each label "
            f"({', '.join(shown)}); the number after a bar is the annotator's label count.")
    svg = _svg(chart_id, title, desc, width, height, body)
    trows = []
    for who, dist in rows:
        total = sum(int(dist.get(l, 0)) for l in labels)
        trows.append([who] + [f"{int(dist.get(l, 0)):,} ({(int(dist.get(l, 0)) / total if total else 0):.0%})"
                              for l in labels] + [f"{total:,}"])
    table = _table(title, ["annotator"] + shown + ["total"], trows)
    return _figure(chart_id, svg, table)


# ------------------------------------------------------------------------ pairwise kappa matrix


def kappa_matrix(annotators: Sequence[str], pairs: Sequence[Mapping], chart_id: str = "kappa",
                 title: str = "Cohen's kappa for each pair of annotators") -> Markup:
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
    body = []
    for j, name in enumerate(names):
        x = left + j * cell + cell / 2
        body.append(f'<text x="{x:.1f}" y="{top - 6:.1f}" text-anchor="start" '
                    f'transform="rotate(-45 {x:.1f} {top - 6:.1f})">{_e(_short(name, 16))}</text>')
    for i, name in enumerate(names):
        y = top + i * cell
        body.append(_text(left - 6, y + cell / 2 + 4, _short(name, 16), "", "end"))
        for j in range(R):
            x = left + j * cell
            if i == j:
                body.append(f'<rect class="cell-frame diag" x="{x:.1f}" y="{y:.1f}" '
                            f'width="{cell - 2}" height="{cell - 2}"/>')
                continue
            p = grid[i][j]
            if p is None:
                body.append(f'<rect class="cell-frame empty" x="{x:.1f}" y="{y:.1f}" '
                            f'width="{cell - 2}" height="{cell - 2}"><title>{_e(name)} and '
                            f'{_e(names[j])} share no sentence</title></rect>')
                continue
            kap = p.get("kappa")
            op = 0.0 if kap is None else 0.1 + 0.9 * min(1.0, abs(kap))
            cls = "cell neg" if kap is not None and kap < 0 else "cell"
            body.append(f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{cell - 2}" '
                        f'height="{cell - 2}" fill-opacity="{op:.3f}"><title>{_e(name)} and '
                        f'{_e(names[j])}: kappa {_e(fmt(kap, 2))} over {int(p.get("n", 0)):,} '
                        f'sentences</title></rect>')
            body.append(f'<rect class="cell-frame" x="{x:.1f}" y="{y:.1f}" width="{cell - 2}" '
                        f'height="{cell - 2}"/>')
            body.append(_text(x + cell / 2 - 1, y + cell / 2 + 4, fmt(kap, 2), "cell-text", "middle"))
    width = left + R * cell + 40
    height = top + R * cell + 8
    defined = [p["kappa"] for p in pairs if p.get("kappa") is not None]
    desc = (f"Kappa for {len(pairs)} pairs of {R} annotators"
            + (f", from {min(defined):.2f} to {max(defined):.2f}." if defined else "."))
    svg = _svg(chart_id, title, desc, width, height, body)
    table = _table(title, ["annotator A", "annotator B", "shared sentences", "kappa"],
                   [[p["a"], p["b"], f"{int(p.get('n', 0)):,}", fmt(p.get("kappa"), 3)] for p in pairs])
    return _figure(chart_id, svg, table)


# ---------------------------------------------------------------------------- agreement over time


def line_chart(points: Sequence[Mapping], series: Sequence[tuple[str, str]], x_key: str = "until",
               chart_id: str = "over-time", title: str = "Agreement over time",
               y_range: tuple[float, float] = (0.0, 1.0),
               thresholds: Sequence[tuple[float, str]] = ((0.667, "0.667"), (0.8, "0.800")),
               x_title: str = "", extra_columns: Sequence[tuple[str, str]] = ()) -> Markup:
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

    body = [f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}"/>',
            f'<line class="axis" x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}"/>']
    step = 0.2 if hi - lo <= 1.2 else 0.5
    t = math.ceil(lo / step) * step
    while t <= hi + 1e-9:
        body.append(f'<line class="grid" x1="{left}" y1="{Y(t):.1f}" x2="{left + pw}" y2="{Y(t):.1f}"/>')
        body.append(_text(left - 6, Y(t) + 4, f"{t:.1f}", "", "end"))
        t += step
    for value, name in thresholds:
        if lo <= value <= hi:
            body.append(f'<line class="threshold" x1="{left}" y1="{Y(value):.1f}" '
                        f'x2="{left + pw}" y2="{Y(value):.1f}"/>')
            body.append(_text(left + pw + 4, Y(value) + 4, name, "muted"))
    # x labels: at most 6, the last one always, never two crowded together
    if n:
        every = max(1, math.ceil(n / 6))
        ticks = list(range(0, n, every))
        if ticks[-1] != n - 1:
            if n - 1 - ticks[-1] < every * 0.6 and len(ticks) > 1:
                ticks[-1] = n - 1
            else:
                ticks.append(n - 1)
        for i in ticks:
            body.append(_text(X(i), top + ph + 16, str(points[i].get(x_key, ""))[:10], "", "middle"))
    if x_title:
        body.append(_text(left + pw / 2, top + ph + 36, x_title, "axis-label", "middle"))
    for s, (key, name) in enumerate(series):
        cls = f"line line-{s % 6 + 1}"
        seg: list[str] = []
        for i, p in enumerate(points):
            v = p.get(key)
            if v is None:
                if len(seg) > 1:
                    body.append(f'<polyline class="{cls}" points="{" ".join(seg)}"/>')
                seg = []
                continue
            seg.append(f"{X(i):.1f},{Y(v):.1f}")
            body.append(f'<circle class="dot dot-{s % 6 + 1}" cx="{X(i):.1f}" cy="{Y(v):.1f}" r="3">'
                        f'<title>{_e(name)} until {_e(p.get(x_key, ""))}: {_e(fmt(v))}</title></circle>')
        if len(seg) > 1:
            body.append(f'<polyline class="{cls}" points="{" ".join(seg)}"/>')
        # legend on the right
        ly = top + 14 + s * 18
        body.append(f'<line class="{cls}" x1="{left + pw + 44}" y1="{ly - 4}" x2="{left + pw + 60}" y2="{ly - 4}"/>')
        body.append(_text(left + pw + 64, ly, _short(name, 12)))
    width = left + pw + right
    height = top + ph + bottom
    if points:
        desc = (f"{n} points from {points[0].get(x_key, '')} to {points[-1].get(x_key, '')}; "
                + "; ".join(f"{name}: last {fmt(points[-1].get(key))}" for key, name in series)
                + ". Dashed lines mark " + " and ".join(t for _, t in thresholds) + ".")
    else:
        desc = "No data."
    svg = _svg(chart_id, title, desc, width, height, body)
    head = [x_title or x_key] + [c for _, c in extra_columns] + [name for _, name in series]
    trows = [[p.get(x_key, "")] + [fmt(p.get(k)) for k, _ in extra_columns]
             + [fmt(p.get(k)) for k, _ in series] for p in points]
    table = _table(title, head, trows)
    return _figure(chart_id, svg, table)
