"""Server-side SVG charts (pure Python)."""

import xml.etree.ElementTree as ET

from starlink_telemetry_lib.svg_chart import _nice_max, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_chart_is_valid_svg_with_gaps_bands_and_levels():
    svg = line_chart(
        ["d1", "d2", "d3", "d4"],
        [("Actual", [1.0, 2.0, None, 4.0]), ("Forecast", [None, None, 3.0, 5.0])],
        bands=[([None, None, 2.0, 3.0], [None, None, 4.0, 8.0])],
        levels=[("Limit", 6.0)],
        title="Usage <GB>",
    )
    root = ET.fromstring(svg)
    polylines = root.findall(f"{SVG}polyline")
    # "Actual" is split by its gap into two segments, "Forecast" is one.
    assert len(polylines) == 3
    assert len(root.findall(f"{SVG}polygon")) == 1
    assert "Usage &lt;GB&gt;" in svg
    assert any(t.text == "Limit" for t in root.iter(f"{SVG}text"))
    # The axis goes up to the band's top (8) rounded to a nice number.
    assert any(t.text == "10" for t in root.iter(f"{SVG}text"))


def test_empty_chart_says_no_data():
    svg = line_chart([], [("Latency", [])])
    assert "No data" in svg
    ET.fromstring(svg)


def test_nice_max():
    assert _nice_max(0) == 1.0
    assert _nice_max(7) == 10
    assert _nice_max(43) == 50
    assert _nice_max(101) == 200
