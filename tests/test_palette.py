"""The label palette (issue 17, item 7): nine colours per theme, defined once in
static/css/app.css, that stay apart for people with colour-vision deficiencies.

Distances are CAM02-UCS delta E, computed by colorspacious, after simulating deuteranopia,
protanopia and tritanopia at full severity (Machado, Oliveira & Fernandes 2009, colorspacious's
"sRGB1+CVD" space). Text contrast on the colours is checked by axe-core in the browser
(tests/browser/test_colours.py); here, each colour's contrast with the page (WCAG 2 relative
luminance, the definition axe uses), which axe does not check for borders and chart bars.
"""
from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE

CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "app.css"
VISIONS = [None, "deuteranomaly", "protanomaly", "tritanomaly"]  # severity 100: -anopia
# CAM02-UCS delta E: about 1 is a just noticeable difference for large patches; small marks
# such as a key badge or a 2px border need several times that.
MIN_DISTANCE = {None: 15.0, "deuteranomaly": 7.0, "protanomaly": 7.0, "tritanomaly": 7.0}


def theme_blocks() -> dict[str, str]:
    css = CSS.read_text(encoding="utf-8")
    light = css[css.index(":root {"):]
    light = light[:light.index("\n}")]
    dark = css[css.index("@media (prefers-color-scheme: dark)"):]
    dark = dark[:dark.index("\n}")]
    return {"light": light, "dark": dark}


def variables(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b", block))


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255


def palette(theme: str) -> list[np.ndarray]:
    v = variables(theme_blocks()[theme])
    return [rgb(v[f"l{i}"]) for i in range(1, 10)]


def luminance(c: np.ndarray) -> float:
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def contrast(a: np.ndarray, b: np.ndarray) -> float:
    hi, lo = sorted([luminance(a), luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def seen(c: np.ndarray, vision: str | None) -> np.ndarray:
    if vision is None:
        return c
    cvd = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
    return np.clip(cspace_convert(c, cvd, "sRGB1"), 0, 1)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_nine_label_colours_per_theme_each_with_its_ink(theme):
    v = variables(theme_blocks()[theme])
    colours = [v.get(f"l{i}") for i in range(1, 10)]
    inks = [v.get(f"l{i}-ink") for i in range(1, 10)]
    assert None not in colours and None not in inks
    assert len({c.lower() for c in colours}) == 9
    assert "l10" not in v  # nine, as a scheme has at most nine labels


@pytest.mark.parametrize("vision", VISIONS, ids=["normal", "deuteranopia", "protanopia", "tritanopia"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_label_colours_are_pairwise_distinct_under_colour_blindness(theme, vision):
    shown = [seen(c, vision) for c in palette(theme)]
    closest = min((float(deltaE(a, b, input_space="sRGB1", uniform_space="CAM02-UCS")), i + 1, j + 1)
                  for (i, a), (j, b) in itertools.combinations(enumerate(shown), 2))
    assert closest[0] >= MIN_DISTANCE[vision], f"labels {closest[1]} and {closest[2]}: {closest[0]:.1f}"


def test_the_simulation_tells_colours_apart_only_where_it_should():
    # red and green collapse for deuteranopes, blue and yellow stay apart: the test above
    # is not passing because the simulation is the identity
    red, green = rgb("#d62728"), rgb("#2ca02c")
    normal = deltaE(red, green, input_space="sRGB1", uniform_space="CAM02-UCS")
    deutan = deltaE(seen(red, "deuteranomaly"), seen(green, "deuteranomaly"),
                    input_space="sRGB1", uniform_space="CAM02-UCS")
    assert normal > 30 and deutan < normal / 2


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_label_colours_stand_out_from_the_page(theme):
    """3:1 against the page and the card behind buttons (WCAG 1.4.11, non-text contrast)."""
    v = variables(theme_blocks()[theme])
    for i, c in enumerate(palette(theme), 1):
        for behind in ("bg", "card"):
            assert contrast(c, rgb(v[behind])) >= 3.0, (f"l{i}", behind)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_each_colour_has_an_ink_readable_on_it(theme):
    """The key badge (one character, which axe leaves unchecked) and a pressed button's text."""
    v = variables(theme_blocks()[theme])
    for i in range(1, 10):
        assert contrast(rgb(v[f"l{i}"]), rgb(v[f"l{i}-ink"])) >= 4.5, f"l{i}"
