"""The reader in a real browser (Debian's Chromium, headless), on SQLite.

On SQLite only: every response the reader gets (page, assets, API reads, the search typed here, the 404)
is byte for byte the same on PostgreSQL, which ``test_reader_http.py`` checks on both backends, so a second
browser run would check nothing more (it cost about 70 s).

It must show every item the API has, open every quote's exact passage, stay accessible (axe-core), fit a
375 px screen, load in at most 6 requests and 150 KB from its own origin only, and not shift after load.
Screenshots go to ``$BRIEFING_SCREENSHOTS`` (``make screenshots`` sets ``docs/screenshots``), else ``build/``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests.conftest import BRIEFING_ID

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("shared_db", ["sqlite"], indirect=True)]

DESKTOP = {"width": 1440, "height": 900}
MOBILE = {"width": 375, "height": 812}
MAX_REQUESTS = 6
MAX_BYTES = 150_000
SCREENSHOTS = Path(os.environ.get("BRIEFING_SCREENSHOTS", PROJECT_ROOT / "build" / "screenshots"))
METRICS = PROJECT_ROOT / "build" / "reader-metrics.json"

# Installed before any script of the page: layout shifts, CSP violations.
WATCH = """
window.__shift = 0; window.__csp = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
}).observe({ type: "layout-shift", buffered: true });
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture(scope="session")
def briefing(live_server: str) -> dict[str, Any]:
    response = httpx.get(f"{live_server}/v1/briefings/{BRIEFING_ID}")
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def _claims(briefing: dict[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(CSS selector of the item on the page, its citations) for every item that has citations."""
    yield "#takeaway", briefing["takeaway"]["citations"]
    for collection in ("rounds", "mediators", "implications", "events", "sources", "people"):
        for item in briefing[collection]:
            yield f"#{collection}-{item['id']}", item["citations"]
    for group in briefing["positions_by_party"]:
        for item in group["positions"]:
            yield f"#positions-{item['id']}", item["citations"]
    for group in briefing["barriers_by_category"]:
        for item in group["barriers"]:
            yield f"#barriers-{item['id']}", item["citations"]


Opener = Callable[..., Any]


def _watched_page(context: Any) -> Any:
    """A new page of ``context`` that records its requests, console errors and page errors (``requests``
    and ``errors``, which ``_load`` empties) and watches layout shifts and CSP violations (``WATCH``)."""
    page = context.new_page()
    page.add_init_script(WATCH)
    page.requests = []
    page.errors = []
    page.on("request", lambda request: page.requests.append(request))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    return page


def _load(page: Any, url: str) -> Any:
    """``url`` in ``page`` as a new document, once the article text is in."""
    page.requests.clear()
    page.errors.clear()
    page.goto(url, wait_until="load")
    page.wait_for_selector("#source-text p", state="attached")
    return page


def _context(browser: Any, viewport: dict[str, int], scheme: str) -> Any:
    return browser.new_context(viewport=viewport, color_scheme=scheme, reduced_motion="reduce")


class Pages:
    """One page per viewport and colour scheme for the module, loaded afresh for each test that opens it:
    a new document (by way of about:blank, so that nothing is restored as on a reload), with nothing of an
    earlier test's but the HTTP cache. A new context and page cost about 1 s more than a navigation."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self._browser = browser
        self._base_url = base_url
        self._pages: dict[tuple[int, int, str], Any] = {}

    def open(self, path: str = "/", *, viewport: dict[str, int] = DESKTOP, scheme: str = "light") -> Any:
        key = (viewport["width"], viewport["height"], scheme)
        if key not in self._pages:
            self._pages[key] = _watched_page(_context(self._browser, viewport, scheme))
        page = self._pages[key]
        page.goto("about:blank")
        return _load(page, self._base_url + path)

    def close(self) -> None:
        for page in self._pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def pages(browser: Any, live_server: str) -> Iterator[Pages]:
    shared = Pages(browser, live_server)
    yield shared
    shared.close()


@pytest.fixture
def open_page(pages: Pages) -> Opener:
    """Open a path in the module's page for its viewport and scheme, as a new document."""
    return pages.open


@pytest.fixture
def open_fresh_page(browser: Any, live_server: str) -> Iterator[Opener]:
    """Open a path in a new context (an empty cache: every request of the page is made and seen)."""
    contexts: list[Any] = []

    def open_(path: str = "/", *, viewport: dict[str, int] = DESKTOP, scheme: str = "light") -> Any:
        contexts.append(_context(browser, viewport, scheme))
        return _load(_watched_page(contexts[-1]), live_server + path)

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def desktop_page(browser: Any, live_server: str) -> Iterator[Any]:
    """The reader at 1440 px as loaded, shared by the tests that only read it (they must not act on it)."""
    context = _context(browser, DESKTOP, "light")
    yield _load(_watched_page(context), live_server + "/")
    context.close()


def _texts(page: Any, selectors: list[str]) -> dict[str, list[str]]:
    """The ``innerText`` of every element each selector matches, in one round trip to the browser."""
    texts: dict[str, list[str]] = page.evaluate(
        """sels => Object.fromEntries(sels.map(s => [s, [...document.querySelectorAll(s)]
             .map(e => e.innerText)]))""",
        selectors,
    )
    return texts


def _spans(page: Any, selectors: list[str]) -> dict[str, list[list[int]]]:
    """The [start, end] of every quote button inside each selector's elements, in one round trip."""
    spans: dict[str, list[list[int]]] = page.evaluate(
        """sels => Object.fromEntries(sels.map(s => [s, [...document.querySelectorAll(s + ' button.cite')]
             .map(e => [Number(e.dataset.start), Number(e.dataset.end)])]))""",
        selectors,
    )
    return spans


def test_every_item_of_the_briefing_is_on_the_page(desktop_page: Any, briefing: dict[str, Any]) -> None:
    """Every text is read in one round trip (``_texts``); ``one`` requires its selector to match exactly one
    element, as a Playwright locator does."""
    page = desktop_page
    groups = briefing["positions_by_party"]
    columns = {g["party"]["id"]: f"#positions-of-{g['party']['id']}" for g in groups}
    selectors = [
        "h1",
        ".opening",
        "#sections h3",
        "#takeaway",
        "#implications h3",
        "#timeline .undated",
        *(f"#sections-{section['id']}" for section in briefing["sections"]),
        *(f"{column} h3" for column in columns.values()),
        *(f"{columns[g['party']['id']]} #positions-{p['id']}" for g in groups for p in g["positions"]),
        *(f"#mediators-{mediator['id']}" for mediator in briefing["mediators"]),
        *(
            f"#barriers-of-{g['category']} #barriers-{b['id']} h4"
            for g in briefing["barriers_by_category"]
            for b in g["barriers"]
        ),
        *(f"#sources-{source['id']}" for source in briefing["sources"]),
        *(
            f"#{c}-{item['id']}"
            for c in ("events", "rounds", "people", "parties", "topics")
            for item in briefing[c]
        ),
    ]
    texts = _texts(page, selectors)

    def one(selector: str) -> str:
        assert len(texts[selector]) == 1, (selector, texts[selector])
        return texts[selector][0]

    assert one("h1") == briefing["title"]
    assert page.title().startswith(briefing["title"])
    assert briefing["summary"] in one(".opening")
    assert page.locator(".opening time").get_attribute("datetime") == briefing["published_on"]
    assert texts["#sections h3"] == [s["heading"] or "Opening" for s in briefing["sections"]]
    for section in briefing["sections"]:
        assert section["summary"] in one(f"#sections-{section['id']}")
    assert briefing["takeaway"]["summary"] in one("#takeaway")
    implications = texts["#implications h3"]
    assert len(implications) == 6
    assert implications == [f"{i['emoji']} {i['number']}. {i['heading']}" for i in briefing["implications"]]
    for group in groups:
        column = columns[group["party"]["id"]]
        assert one(f"{column} h3") == group["party"]["name"]
        for position in group["positions"]:
            assert position["summary"] in one(f"{column} #positions-{position['id']}")
    # Side by side at 1440 px: every party's column starts at the same height.
    tops = {
        round(box["y"])
        for box in page.locator(".party").evaluate_all("els => els.map(e => e.getBoundingClientRect())")
    }
    assert len(tops) == 1
    for mediator in briefing["mediators"]:
        card = one(f"#mediators-{mediator['id']}")
        assert mediator["party"]["name"] in card
        assert (mediator["result"] or "None reported in the article") in card
    for group in briefing["barriers_by_category"]:
        for barrier in group["barriers"]:
            assert one(f"#barriers-of-{group['category']} #barriers-{barrier['id']} h4") == barrier["name"]
    drawn = set(page.locator("#timeline .row").evaluate_all("els => els.map(e => e.dataset.item)"))
    dated = {f"events-{e['id']}" for e in briefing["events"] if e["date"]}
    dated |= {f"rounds-{r['id']}" for r in briefing["rounds"] if r["date"]}
    assert drawn == dated
    undated = one("#timeline .undated")
    assert all(r["name"] in undated for r in briefing["rounds"] if not r["date"])
    for source in briefing["sources"]:
        assert source["title"] in one(f"#sources-{source['id']}")
    for collection in ("events", "rounds", "people", "parties", "topics"):
        for item in briefing[collection]:
            one(f"#{collection}-{item['id']}")
    # Every claim carries its own quotes, in order.
    claims = list(_claims(briefing))
    spans = _spans(page, [selector for selector, _ in claims])
    for selector, citations in claims:
        assert spans[selector] == [[c["start"], c["end"]] for c in citations], selector
    assert page.errors == []


# The state of the article panel once the quote starting at ``s`` is open (the passage has focus and this
# quote is current), or null before: the marks, the first one's text, the note, and whether the mark is
# scrolled into view.
QUOTE_STATE = """(s) => {
  const current = document.querySelector('button.cite[aria-current]');
  const focused = document.activeElement?.id === 'passage';
  if (!focused || current?.dataset.start !== String(s)) return null;
  const marks = document.querySelectorAll('#source-text mark');
  const mark = marks[0], box = document.getElementById('source-text').getBoundingClientRect();
  const r = mark.getBoundingClientRect();
  return { count: marks.length, text: mark.textContent,
           note: document.getElementById('source-note').innerText,
           visible: r.top >= box.top - 1 && r.top < box.bottom && r.top >= 0 && r.top < innerHeight };
}"""

# Every quote button in turn, inside the page: focus it, activate it, wait for its passage, then Escape
# (dispatched on the focused passage, where the panel listens) and note where focus went back to.
EVERY_QUOTE = (
    """async () => {
  const state = """
    + QUOTE_STATE
    + """;
  const out = [];
  for (const button of document.querySelectorAll('button.cite')) {
    button.focus();
    button.click();
    let seen = null;
    for (let i = 0; i < 2000 && seen === null; i++) {
      seen = state(button.dataset.start);
      if (seen === null) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    document.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    out.push({ ...seen, back: document.activeElement.dataset.start ?? null });
  }
  return out;
}"""
)


def test_every_quote_opens_its_exact_passage(open_page: Opener, briefing: dict[str, Any]) -> None:
    """The first quote with the keyboard as a person uses it (Enter on the focused ``<button>``, Escape back
    to it); then every quote (88 on the curated data) in one round trip to the browser, where a round trip
    per key press cost about 70 ms a quote, most of it waiting for frames."""
    page = open_page("/")
    quotes = {(c["start"], c["end"]): c for _, cs in _claims(briefing) for c in cs}
    outlets = {s["id"]: s["name"] for s in briefing["sources"]}
    buttons = page.locator("button.cite")
    total = sum(len(cs) for _, cs in _claims(briefing))
    spans = buttons.evaluate_all("els => els.map(e => [Number(e.dataset.start), Number(e.dataset.end)])")
    assert len(spans) == total > 0

    buttons.first.press("Enter")  # focused, then keyboard activation: a real <button>
    first = page.wait_for_function(f"({QUOTE_STATE})({spans[0][0]})").json_value()
    assert first["text"] == quotes[tuple(spans[0])]["quote"]
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.dataset.start") == str(spans[0][0])

    states = page.evaluate(EVERY_QUOTE)
    assert len(states) == len(spans)
    for index, ((start, end), state) in enumerate(zip(spans, states, strict=True)):
        citation = quotes[(start, end)]
        assert "count" in state, (index, "the quote's passage did not open")
        assert state["count"] == 1
        assert state["text"] == citation["quote"], (index, citation)
        assert state["visible"], (index, "the mark is not scrolled into view")
        if citation["source_id"]:
            assert f"Attributed to {outlets[citation['source_id']]}" in state["note"]
        else:
            assert "credits no outlet" in state["note"]
        assert state["back"] == str(start), (index, "Escape did not return focus to the quote")
    assert page.errors == []


def _span(iso: str) -> tuple[date, date]:
    """The days a partial date covers: [first, last + 1)."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 1:
        return date(parts[0], 1, 1), date(parts[0] + 1, 1, 1)
    if len(parts) == 2:
        first = date(parts[0], parts[1], 1)
        return first, (first + timedelta(days=32)).replace(day=1)
    day = date(parts[0], parts[1], parts[2])
    return day, day + timedelta(days=1)


def test_timeline_is_drawn_to_scale(desktop_page: Any, briefing: dict[str, Any]) -> None:
    page = desktop_page
    bars = page.locator("#timeline .bar").evaluate_all(
        """els => els.map(e => {
             const r = e.getBoundingClientRect(), t = e.parentElement.getBoundingClientRect();
             return { item: e.closest('.row').dataset.item, cls: e.className, left: r.left - t.left,
                      width: r.width, track: t.width }; })"""
    )
    dated = {f"events-{e['id']}": e for e in briefing["events"] if e["date"]}
    dated |= {f"rounds-{r['id']}": r for r in briefing["rounds"] if r["date"]}
    spans = {item: _span(value["date"]) for item, value in dated.items()}
    origin = date(min(s[0] for s in spans.values()).year, 1, 1)
    end = date(max(s[1] - timedelta(days=1) for s in spans.values()).year + 1, 1, 1)
    assert {bar["item"] for bar in bars} == set(dated)
    for bar in bars:
        first, after = spans[bar["item"]]
        px_per_day = bar["track"] / (end - origin).days
        precision = dated[bar["item"]]["date_precision"]
        assert precision in bar["cls"]
        if precision == "day":  # a point in the middle of its day
            assert bar["width"] == 0
            assert abs(bar["left"] - ((first - origin).days + 0.5) * px_per_day) < 1
        else:  # the whole month or year, never an invented day
            assert abs(bar["left"] - (first - origin).days * px_per_day) < 1, bar
            assert abs(bar["width"] - (after - first).days * px_per_day) < 1, bar
    assert any("month" in bar["cls"] for bar in bars)
    assert any("year" in bar["cls"] for bar in bars)


def test_axe_finds_no_serious_violations(open_page: Opener, node_client: Path) -> None:
    """The three analyses run at once, each in its page's own renderer process (about 1.5 s each)."""
    axe = (node_client / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
    running = []
    for name, viewport, scheme in [
        ("desktop light", DESKTOP, "light"),
        ("desktop dark", DESKTOP, "dark"),
        ("mobile dark", MOBILE, "dark"),
    ]:
        page = open_page("/", viewport=viewport, scheme=scheme)
        page.locator("button.cite").nth(3).click()  # with a passage marked and, on mobile, the sheet open
        page.wait_for_selector("#passage")
        page.evaluate(axe)  # through the DevTools protocol: not subject to the page's CSP
        page.evaluate("() => { window.__axe = axe.run(document, { resultTypes: ['violations'] }); }")
        running.append((name, page))
    found: dict[str, list[str]] = {}
    for name, page in running:
        result = page.evaluate("window.__axe")
        found[name] = [
            f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes, e.g. {v['nodes'][0]['target']}"
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        found[f"{name} (all)"] = [f"{v['id']} ({v['impact']})" for v in result["violations"]]
    _record("axe", found)
    assert all(not v for k, v in found.items() if not k.endswith("(all)")), found


def test_fits_a_375px_screen(open_page: Opener) -> None:
    page = open_page("/", viewport=MOBILE)
    width = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    scroll, client = page.evaluate(width)
    assert scroll <= client == 375
    page.locator("#implications button.cite").first.click()
    page.wait_for_selector("#passage")
    assert page.locator("#source").is_visible()
    scroll, client = page.evaluate(width)
    assert scroll <= client
    page.locator("#source-close").click()
    assert not page.locator("#source").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('cite')")


def test_requests_bytes_origin_and_stability(open_fresh_page: Opener, live_server: str) -> None:
    measured: dict[str, Any] = {}
    loads = [
        (path, name, open_fresh_page(path, viewport=viewport))
        for path in ("/", f"/briefings/{BRIEFING_ID}")
        for name, viewport in (("desktop", DESKTOP), ("mobile", MOBILE))
    ]
    loads[-1][2].wait_for_timeout(300)  # any late shift or request would show now, on every page
    for path, name, page in loads:
        urls = [r.url for r in page.requests]
        assert all(url.startswith(live_server + "/") for url in urls), urls
        sizes = [r.sizes() for r in page.requests]
        total = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)
        shift, csp = page.evaluate("[window.__shift, window.__csp]")
        measured[f"{path} {name}"] = {
            "requests": len(urls),
            "bytes": total,
            "layout_shift": shift,
            "urls": [u.removeprefix(live_server) for u in urls],
        }
        assert len(urls) <= MAX_REQUESTS, urls
        assert total < MAX_BYTES
        assert shift == 0, f"layout shift {shift}"
        assert csp == []
        assert page.errors == []
    _record("load", measured)


def test_keyboard_reaches_a_quote_with_visible_focus(open_page: Opener) -> None:
    page = open_page("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cite')"):
            break
    else:
        pytest.fail("no quote button within 80 Tab presses")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in {"none", ""}
    page.keyboard.press("Space")
    page.wait_for_function("document.activeElement?.id === 'passage'")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.getAttribute('aria-current')") == "true"


def test_search_links_to_items_on_the_page(open_fresh_page: Opener, live_server: str) -> None:
    page = open_fresh_page("/")  # an empty cache: search.js, once imported, would not be requested again
    assert not any("search.js" in r.url for r in page.requests)  # imported on first use only
    page.locator("#search-q").fill("Istanbul")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-list li")
    hits = httpx.get(f"{live_server}/v1/search", params={"q": "Istanbul", "limit": 20}).json()["items"]
    hrefs = page.locator("#search-list a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert len(hrefs) == len(hits) > 0
    for href in hrefs:
        assert page.locator(href).count() == 1, href
    marks = page.locator("#search-list mark").all_inner_texts()
    assert marks  # the API's [[…]] markers became <mark> elements
    assert any("istanbul" in m.lower() for m in marks), marks
    page.locator("#search-list a").first.click()
    assert page.evaluate("location.hash") == hrefs[0]
    assert page.locator("#search-results").is_hidden()


def test_an_unknown_briefing_shows_the_problem(open_page: Opener, browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/briefings/no-such-briefing", wait_until="load")
        alert = page.locator("[role=alert]")
        alert.wait_for()
        assert "404" in alert.inner_text()
        assert "no-such-briefing" in alert.inner_text()
    finally:
        context.close()


def test_screenshots(open_page: Opener) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = [("desktop", DESKTOP, "light"), ("desktop-dark", DESKTOP, "dark"), ("mobile", MOBILE, "light")]
    for name, viewport, scheme in shots:
        page = open_page("/", viewport=viewport, scheme=scheme)
        page.screenshot(path=SCREENSHOTS / f"reader-{name}.png")
        page.locator("#positions button.cite").nth(1).click()
        page.wait_for_selector("#passage")
        page.evaluate("document.activeElement.blur()")
        page.screenshot(path=SCREENSHOTS / f"reader-{name}-quote.png")
    for name, _, _ in shots:
        assert (SCREENSHOTS / f"reader-{name}.png").stat().st_size > 10_000


def _record(key: str, value: Any) -> None:
    """Keep measurements for the report (build/reader-metrics.json; not committed)."""
    METRICS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(METRICS.read_text()) if METRICS.exists() else {}
    data[key] = value
    METRICS.write_text(json.dumps(data, indent=2, ensure_ascii=False))
