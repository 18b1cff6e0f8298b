# SPDX-License-Identifier: Apache-2.0
"""`cell bench isolation --html`: the report opened in headless chromium shows
its charts (a screenshot with the bars' colours in it, not a blank page)."""

import os
import shutil
import subprocess

import pytest

import benchlib

pytestmark = pytest.mark.slow

# The bars' fill colours (src/bench/html.c): process, container.
BLUE = (0x4C, 0x78, 0xA8)
ORANGE = (0xF5, 0x85, 0x18)


def near(px, rgb):
    return all(abs(a - b) <= 12 for a, b in zip(px[:3], rgb))


def test_html_report_renders_charts(engine, tmp_path):
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("chromium is not installed (scripts/install-deps.sh)")
    Image = pytest.importorskip("PIL.Image", reason="python3-pil (python3-matplotlib's dependency)")
    html = tmp_path / "report.html"
    p = benchlib.run_bench(engine, "--runs", "2", "--density", "1", "--html", str(html))
    benchlib.assert_nothing_left(engine, p.stderr)
    text = html.read_text()
    assert text.count("<svg") == len(benchlib.WORKLOADS)
    for wid in benchlib.WORKLOADS:
        assert 'id="chart-%s"' % wid in text
    png = tmp_path / "shot.png"
    env = dict(os.environ, HOME=str(tmp_path))
    r = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--user-data-dir=%s" % (tmp_path / "profile"), "--window-size=1000,2400",
                        "--screenshot=%s" % png, html.as_uri()],
                       capture_output=True, text=True, timeout=180, env=env)
    assert r.returncode == 0 and png.exists(), r.stderr
    img = Image.open(png).convert("RGB")
    w, h = img.size
    px = list(img.getdata())
    non_white = sum(1 for q in px if q != (255, 255, 255))
    assert non_white > 0.02 * w * h, "screenshot nearly blank: %d of %d pixels" % (non_white, w * h)
    blue = sum(1 for q in px if near(q, BLUE))
    orange = sum(1 for q in px if near(q, ORANGE))
    # Bars of both measured modes are drawn (each bar is at least a few hundred pixels).
    assert blue > 2000 and orange > 2000, (blue, orange)
