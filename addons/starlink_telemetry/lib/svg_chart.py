"""Small server-side SVG line charts (no ``odoo`` import), for forms, portal pages and PDFs."""

from html import escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")


def _nice_max(value):
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(
    labels, series, width=640, height=220, unit="", title="", bands=(), levels=()
):
    """Return an SVG document drawing ``series`` against ``labels``.

    ``series`` is a list of ``(name, values)``; a value of ``None`` leaves a gap (no sample).
    ``labels`` are the x-axis texts, one per value; only a handful are printed.
    ``bands`` are ``(lower values, upper values)`` shaded behind the series (e.g. a forecast
    interval); ``levels`` are ``(name, value)`` horizontal dashed lines (e.g. a data limit).
    """
    left, right, top, bottom = 48, 12, 24 if title else 10, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max((len(values) for _name, values in series), default=0)
    peak = max(
        [v for _name, values in series for v in values if v is not None]
        + [v for _lower, upper in bands for v in upper if v is not None]
        + [value for _name, value in levels],
        default=0,
    )
    y_max = _nice_max(peak)

    def x_at(index):
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y_at(value):
        return top + plot_h - plot_h * value / y_max

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px;font-family:sans-serif;font-size:10px">',
    ]
    if title:
        parts.append(
            f'<text x="{left}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>'
        )
    for tick in range(5):
        value = y_max * tick / 4
        y = y_at(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e5e5e5"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#666">'
            f"{value:g}{escape(unit)}</text>"
        )
    step = max(1, count // 6)
    for index in range(0, count, step):
        if index < len(labels):
            parts.append(
                f'<text x="{x_at(index):.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                f'fill="#666">{escape(str(labels[index]))}</text>'
            )
    for lower, upper in bands:
        points = [(i, lo, hi) for i, (lo, hi) in enumerate(zip(lower, upper)) if lo is not None]
        if points:
            outline = [f"{x_at(i):.1f},{y_at(hi):.1f}" for i, _lo, hi in points]
            outline += [f"{x_at(i):.1f},{y_at(lo):.1f}" for i, lo, _hi in reversed(points)]
            parts.append(f'<polygon points="{" ".join(outline)}" fill="#1f77b4" opacity="0.15"/>')
    for name, value in levels:
        y = y_at(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#d62728" '
            f'stroke-dasharray="4,3"/><text x="{width - right}" y="{y - 3:.1f}" '
            f'text-anchor="end" fill="#d62728">{escape(name)}</text>'
        )
    for number, (name, values) in enumerate(series):
        color = PALETTE[number % len(PALETTE)]
        for segment in _segments(values):
            points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in segment)
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{points}"/>'
            )
        legend_x = left + 110 * number
        parts.append(
            f'<rect x="{legend_x}" y="{height - 12}" width="10" height="3" fill="{color}"/>'
            f'<text x="{legend_x + 14}" y="{height - 8}" fill="#333">{escape(name)}</text>'
        )
    if not peak:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            f'fill="#999">No data</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _segments(values):
    """Runs of consecutive non-missing values as lists of ``(index, value)``."""
    segment = []
    for index, value in enumerate(values):
        if value is None:
            if segment:
                yield segment
            segment = []
        else:
            segment.append((index, value))
    if segment:
        yield segment
