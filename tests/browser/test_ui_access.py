"""Layout and access in real Chromium: heat-map text at WCAG AA contrast, a skip link that
reaches the first case in two tab stops, and a panorama that does not clip at 1024 px."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Live, login

pytestmark = pytest.mark.browser

# WCAG 2.x relative luminance and contrast of each text node's colour on its cell's background.
CONTRAST_JS = """
() => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => {
    const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const out = [];
  for (const td of document.querySelectorAll('#heat-grid td[data-exposure]')) {
    const bg = rgb(getComputedStyle(td).backgroundColor);
    for (const el of [td, ...td.querySelectorAll('strong, small')]) {
      out.push({cls: td.className, ratio: ratio(rgb(getComputedStyle(el).color), bg)});
    }
  }
  return out;
}
"""


def test_heat_map_text_meets_wcag_aa(live: Live, page: Any) -> None:
    login(page, live.base_url, "officer_li")
    page.goto(f"{live.base_url}/ui/panorama")
    page.wait_for_selector("#heat-grid")
    cells = page.evaluate(CONTRAST_JS)
    assert len(cells) >= 18
    low = [c for c in cells if c["ratio"] < 4.5]
    assert not low, low
    # Every band of the scale is checked, including the reddest, on a rendered swatch too.
    page.set_content(
        '<link rel="stylesheet" href="' + live.base_url + '/ui/static/review.css">'
        '<table class="heat" id="heat-grid"><tr>'
        + "".join(
            f'<td class="pd{i}" data-exposure="1"><strong>1万</strong><br><small>1%</small></td>'
            for i in range(6)
        )
        + "</tr></table>"
    )
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.pd5')).backgroundColor !== 'rgba(0, 0, 0, 0)'"
    )
    swatches = page.evaluate(CONTRAST_JS)
    assert {c["cls"] for c in swatches} == {f"pd{i}" for i in range(6)}
    assert min(c["ratio"] for c in swatches) >= 4.5, swatches


def test_skip_link_reaches_the_first_case(live: Live, page: Any) -> None:
    login(page, live.base_url, "officer_li")
    page.wait_for_selector("#queue-table")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip-link"
    assert page.locator("#skip-link").is_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    first = page.locator("#queue-table a.case-link").first.get_attribute("href")
    assert focused == "case-link"
    assert page.evaluate("document.activeElement.getAttribute('href')") == first
    # Every page has the skip link as its first tab stop.
    page.goto(f"{live.base_url}/ui/cases/{live.seeded.override_case}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip-link"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_panorama_does_not_clip_at_1024(live: Live, page: Any, lang: str) -> None:
    page.set_viewport_size({"width": 1024, "height": 768})
    login(page, live.base_url, "officer_li")
    page.goto(f"{live.base_url}/ui/lang?to={lang}&next=/ui/panorama")
    page.wait_for_selector("#heat-grid")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    wrap = page.evaluate(
        "(() => { const w = document.querySelector('#heat-grid').parentElement;"
        " return [w.scrollWidth, w.clientWidth]; })()"
    )
    assert wrap[0] <= wrap[1], f"the heat map scrolls inside its card: {wrap}"
    right = page.evaluate(
        "document.querySelector('#heat-grid thead th:last-child').getBoundingClientRect().right"
    )
    assert right <= 1024
