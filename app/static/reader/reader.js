// @ts-check
/**
 * The reader: renders one briefing from the public /v1 JSON API and, for every claim, shows the exact
 * passage of the article it rests on.
 *
 * One module on purpose: without a bundler every module is a request, and the page must load in at most
 * six (the HTML, its CSS, this module and three API calls at `/`). Search is imported only when used.
 * Types come from the client generated from openapi.json (clients/typescript), checked by `tsc`.
 */

/** @typedef {import("../../../clients/typescript/src/schema").paths} Paths */
/** @typedef {Paths["/v1/briefings/{item_id}"]["get"]["responses"][200]["content"]["application/json"]} Briefing */
/** @typedef {Paths["/v1/briefings"]["get"]["responses"][200]["content"]["application/json"]} BriefingList */
/** @typedef {Briefing["takeaway"]["citations"][number]} Citation */
/** @typedef {Briefing["rounds"][number]} Round */
/** @typedef {Briefing["events"][number]} TimelineEvent */
/** @typedef {Briefing["sections"][number]} Section */
/** @typedef {{ id: string, name: string }} Ref */
/** @typedef {Node | string | null | undefined | false | ChildList} Child */
/** @typedef {Array<Child>} ChildList */

/**
 * Build an element: attributes (null, undefined and false are left out) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | true | null | undefined | false>} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** @param {Element} parent @param {Child[]} children */
function append(parent, children) {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child !== null && child !== undefined && child !== false) parent.append(child);
  }
}

/** @param {string} id @returns {HTMLElement} */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element;
}

/** An RFC 9457 problem (or a network failure) as an error with a readable message. */
class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** @param {string} path @returns {Promise<Response>} */
async function get(path) {
  const response = await fetch(path);
  if (!response.ok) {
    /** @type {{ title?: string, detail?: string | null }} */
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      // not JSON: the status line will do
    }
    throw new ApiError(response.status, problem.detail || problem.title || response.statusText);
  }
  return response;
}

// ── Formatting ──────────────────────────────────────────────────────────────────────────────────────

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];

/**
 * The numbers of a partial ISO date ("2022", "2022-03", "2025-06-02"); month and day are undefined when absent.
 * @param {string} iso
 * @returns {[number, number | undefined, number | undefined]}
 */
function dateParts(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return [year ?? Number.NaN, month, day];
}

/**
 * A partial ISO date at its own precision: "2022", "March 2022", "June 2, 2025". Never an invented day.
 * @param {string | null} iso
 */
export function formatDate(iso) {
  if (iso === null) return "Undated";
  const [year, month, day] = dateParts(iso);
  if (month === undefined) return String(year);
  const name = MONTHS[month - 1];
  return day === undefined ? `${name} ${year}` : `${name} ${day}, ${year}`;
}

/** "red_line" → "Red line". @param {string} value */
function label(value) {
  const words = value.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** @param {Ref[]} refs */
function names(refs) {
  return refs.map((ref) => ref.name).join(", ");
}

/** Topic and party tags of an item (plain text: links would add hundreds of tab stops). */
/** @param {string} title @param {Ref[]} refs */
function tags(title, refs) {
  if (refs.length === 0) return null;
  return h("ul", { class: "tags", "aria-label": title }, refs.map((ref) => h("li", {}, ref.name)));
}

/** @param {[string, Child | Child[]][]} rows */
function facts(rows) {
  const kept = rows.filter(([, value]) => value !== null && value !== undefined && value !== "");
  return h("dl", { class: "facts" }, kept.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))));
}

// ── Citations ───────────────────────────────────────────────────────────────────────────────────────

/** @type {Map<string, { name: string, title: string }>} */
const outlets = new Map();

/**
 * The quote buttons of one claim. Each opens its passage in the article panel.
 * @param {Citation[]} citations
 * @param {string} claim what the quotes support, for the panel's heading and the list's name
 */
function quotes(citations, claim) {
  const list = h("ul", { class: "cites", "aria-label": `Quotes for: ${claim}` });
  citations.forEach((citation, index) => {
    const outlet = citation.source_id ? outlets.get(citation.source_id) : undefined;
    const button = h(
      "button",
      { type: "button", class: "cite", "aria-controls": "source", "data-start": citation.start,
        "data-end": citation.end },
      `Quote ${index + 1}`,
      outlet ? h("span", { class: "cite-outlet" }, ` · ${outlet.name}`) : null,
    );
    panel.register(button, { citation, claim, index, count: citations.length,
      outlet: outlet ? `${outlet.name}, “${outlet.title}”` : null,
      outletAnchor: citation.source_id ? `#sources-${citation.source_id}` : null });
    list.append(h("li", {}, button));
  });
  return list;
}

// ── Parts of the page ───────────────────────────────────────────────────────────────────────────────

/** @param {string} id @param {string} title @param {string | null} intro @param {...(Child | Child[])} content */
function part(id, title, intro, ...content) {
  return h("section", { id, class: "part", "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    intro ? h("p", { class: "intro" }, intro) : null,
    ...content);
}

/** @param {Briefing} b */
function opening(b) {
  const photo = b.photo;
  return h("header", { class: "opening", id: `briefings-${b.id}` },
    h("p", { class: "kicker" }, "Briefing"),
    h("h1", {}, b.title),
    h("p", { class: "dateline" }, "Published ", h("time", { datetime: b.published_on }, formatDate(b.published_on)),
      " · from “", b.document.title, "”"),
    h("p", { class: "summary" }, b.summary),
    photo ? h("p", { class: "photo" }, h("span", { class: "photo-label" }, "Photo in the article: "), photo.caption) : null);
}

/** @param {[string, string][]} entries */
function contents(entries) {
  return h("nav", { class: "toc", "aria-label": "On this page" },
    h("ol", {}, entries.map(([id, title]) => h("li", {}, h("a", { href: `#${id}` }, title)))));
}

/** @param {Section[]} sections */
function sectionsPart(sections) {
  return part("sections", "The article, section by section", "In the article’s order; our summaries.",
    h("ol", { class: "sections" }, sections.map((section) => {
      const heading = section.heading ?? "Opening";
      const button = h("button", { type: "button", class: "read", "aria-controls": "source" }, "Read it in the article");
      panel.registerSection(button, section, heading);
      return h("li", { id: `sections-${section.id}`, class: "card" },
        h("h3", {}, heading), h("p", {}, section.summary), button);
    })));
}

/** @param {Briefing} b */
function timelinePart(b) {
  return part("timeline", "Timeline", "Drawn to scale. A date the article gives only to the month or the year is drawn as the whole month or year.",
    timeline(b),
    h("ol", { class: "cards grid events" }, b.events.map((event) => h("li", { id: `events-${event.id}`, class: "card" },
      h("h3", {}, event.title),
      h("p", { class: "meta" }, event.date ? h("time", { datetime: event.date }, formatDate(event.date)) : "Undated",
        ` · ${label(event.kind)}`),
      h("p", {}, event.summary),
      facts([["Round", event.round ? h("a", { href: `#rounds-${event.round.id}` }, event.round.name) : null],
        ["Parties", names(event.parties)]]),
      quotes(event.citations, event.title)))));
}

/**
 * Start and end (exclusive) of a partial date, in days since the epoch.
 * @param {string} iso
 * @returns {[number, number]}
 */
export function dateSpan(iso) {
  const [year, month, day] = dateParts(iso);
  const day0 = (/** @type {number} */ y, /** @type {number} */ m, /** @type {number} */ d) => Date.UTC(y, m, d) / 86_400_000;
  if (month === undefined) return [day0(year, 0, 1), day0(year + 1, 0, 1)];
  if (day === undefined) return [day0(year, month - 1, 1), day0(year, month, 1)];
  return [day0(year, month - 1, day), day0(year, month - 1, day + 1)];
}

/** @param {Briefing} b */
function timeline(b) {
  /** @type {{ anchor: string, kind: string, title: string, date: string, precision: string, span: [number, number] }[]} */
  const items = [];
  for (const event of b.events) {
    if (event.date === null || event.date_precision === null) continue;
    items.push({ anchor: `events-${event.id}`, kind: "event", title: event.title, date: event.date,
      precision: event.date_precision, span: dateSpan(event.date) });
  }
  for (const round of b.rounds) {
    if (round.date === null || round.date_precision === null) continue;
    items.push({ anchor: `rounds-${round.id}`, kind: "round", title: round.name, date: round.date,
      precision: round.date_precision, span: dateSpan(round.date) });
  }
  items.sort((a, c) => a.span[0] - c.span[0] || c.span[1] - a.span[1] || a.kind.localeCompare(c.kind));
  if (items.length === 0) return h("p", {}, "The article gives no dates.");
  const first = new Date(Math.min(...items.map((i) => i.span[0])) * 86_400_000).getUTCFullYear();
  const last = new Date((Math.max(...items.map((i) => i.span[1])) - 1) * 86_400_000).getUTCFullYear();
  const [from] = dateSpan(String(first));
  const [, to] = dateSpan(String(last));
  /** @param {number} day */
  const at = (day) => ((day - from) / (to - from)) * 100;

  const axis = h("div", { class: "axis", "aria-hidden": "true" });
  for (let year = first; year <= last; year += 1) {
    const tick = h("span", { class: "tick" }, String(year));
    tick.style.setProperty("--at", String(at(dateSpan(String(year))[0])));
    axis.append(tick);
  }
  const rows = items.map((item) => {
    const bar = h("span", { class: `bar ${item.kind} ${item.precision}` });
    bar.style.setProperty("--from", String(at(item.span[0])));
    bar.style.setProperty("--to", String(at(item.span[1])));
    return h("li", { class: "row", "data-item": item.anchor },
      h("a", { href: `#${item.anchor}`, class: "row-label" },
        h("time", { datetime: item.date }, formatDate(item.date)), " ", h("span", {}, item.title),
        h("span", { class: "visually-hidden" }, item.kind === "round" ? " (round of talks)" : " (event)")),
      h("span", { class: "track", "aria-hidden": "true" }, bar));
  });
  const undated = [...b.events.filter((event) => event.date === null).map((e) => ({ href: `#events-${e.id}`, name: e.title })),
    ...b.rounds.filter((round) => round.date === null).map((r) => ({ href: `#rounds-${r.id}`, name: r.name }))];
  const figure = h("figure", { class: "timeline", "aria-labelledby": "timeline-caption" },
    h("figcaption", { id: "timeline-caption", class: "legend" },
      h("span", { class: "key event" }, "Events"), h("span", { class: "key round" }, "Rounds of talks"),
      h("span", { class: "key scale" }, `${first}–${last}, one column per year`)),
    axis,
    h("ol", { class: "rows" }, rows),
    undated.length ? h("p", { class: "undated" }, "Not drawn, as the article gives no date: ",
      undated.map((item, i) => [i ? ", " : "", h("a", { href: item.href }, item.name)])) : null);
  figure.style.setProperty("--years", String(last - first + 1));
  return figure;
}

/** @param {Round[]} rounds */
function roundsPart(rounds) {
  return part("rounds", "Rounds and channels of talks", null,
    h("ol", { class: "cards grid" }, rounds.map((round) => h("li", { id: `rounds-${round.id}`, class: "card" },
      h("h3", {}, round.name),
      h("p", { class: "meta" }, round.date ? h("time", { datetime: round.date }, formatDate(round.date)) : "Undated",
        ` · ${label(round.status)}`),
      h("p", {}, round.summary),
      facts([["Where", [round.place, round.venue].filter(Boolean).join(", ")],
        ["Format", label(round.format)],
        ["Participants", names(round.participants)],
        ["Hosts", names(round.hosts)],
        ["Outcome", round.outcome ?? "None reported in the article"]]),
      tags("Topics", round.topics),
      quotes(round.citations, round.name)))));
}

const KINDS = /** @type {const} */ (["demand", "red_line", "perception", "accusation", "stance"]);
const KIND_PLURAL = { demand: "Demands", red_line: "Red lines", perception: "Perceptions",
  accusation: "Accusations", stance: "Stances" };

/** @param {Briefing} b */
function positionsPart(b) {
  return part("positions", "Positions, side by side", "What each party demands, refuses, perceives and alleges.",
    h("div", { class: "columns" }, b.positions_by_party.map((group) => h("section",
      { class: "party", id: `positions-of-${group.party.id}`, "aria-labelledby": `positions-of-${group.party.id}-title` },
      h("h3", { id: `positions-of-${group.party.id}-title` }, group.party.name),
      KINDS.map((kind) => {
        const mine = group.positions.filter((position) => position.kind === kind);
        if (mine.length === 0) return null;
        return [h("h4", {}, KIND_PLURAL[kind]),
          h("ul", { class: "cards" }, mine.map((position) => h("li", { id: `positions-${position.id}`, class: "card" },
            h("p", {}, position.summary),
            facts([["Held by", label(position.holder)], ["Toward", position.target?.name],
              ["Round", position.round?.name]]),
            tags("Topics", position.topics),
            quotes(position.citations, position.summary))))];
      })))));
}

/** @param {Briefing} b */
function mediatorsPart(b) {
  return part("mediators", "Mediators and outside powers", null,
    h("ul", { class: "cards grid" }, b.mediators.map((mediator) => h("li", { id: `mediators-${mediator.id}`, class: "card" },
      h("h3", {}, mediator.party.name),
      h("p", { class: "meta" }, label(mediator.role)),
      facts([["Approach", mediator.approach], ["Result", mediator.result ?? "None reported in the article"]]),
      h("p", {}, mediator.summary),
      tags("Topics", mediator.topics),
      quotes(mediator.citations, `${mediator.party.name}: ${mediator.approach}`)))));
}

/** @param {Briefing} b */
function barriersPart(b) {
  return part("barriers", "Why the talks fail: the barriers",
    "The article names three kinds of barrier; which kind each belongs to is the curators’ reading.",
    b.barriers_by_category.map((group) => h("section",
      { class: "category", id: `barriers-of-${group.category}`, "aria-labelledby": `barriers-of-${group.category}-title` },
      h("h3", { id: `barriers-of-${group.category}-title` }, `${label(group.category)} barriers`),
      h("ul", { class: "cards grid" }, group.barriers.map((barrier) => h("li", { id: `barriers-${barrier.id}`, class: "card" },
        h("h4", {}, barrier.name),
        h("p", {}, barrier.summary),
        h("p", { class: "meta" }, `Why ${group.category}: ${barrier.category_basis}`),
        tags("Parties", barrier.parties),
        tags("Topics", barrier.topics),
        quotes(barrier.citations, barrier.name)))))));
}

/** @param {Briefing} b */
function implicationsPart(b) {
  return part("implications", "What it means: six implications", "Headings as printed in the article.",
    h("ol", { class: "cards implications" }, b.implications.map((item) => h("li", { id: `implications-${item.id}`, class: "card" },
      h("h3", {}, h("span", { class: "emoji" }, item.emoji), ` ${item.number}. ${item.heading}`),
      h("p", {}, item.summary),
      item.analogues.length ? facts([["Compared with", item.analogues.join("; ")]]) : null,
      tags("Parties", item.parties),
      tags("Topics", item.topics),
      quotes(item.citations, item.heading)))));
}

/** @param {Briefing} b */
function takeawayPart(b) {
  return part("takeaway", "Overall takeaway", null,
    h("div", { class: "card takeaway" }, h("p", {}, b.takeaway.summary), quotes(b.takeaway.citations, "Overall takeaway")));
}

/** @param {Briefing} b */
function peoplePart(b) {
  return part("people", "People named", null,
    h("ul", { class: "cards grid" }, b.people.map((person) => h("li", { id: `people-${person.id}`, class: "card" },
      h("h3", {}, person.name),
      h("p", {}, person.role, person.party ? ` (${person.party.name})` : ""),
      quotes(person.citations, person.name)))));
}

/** @param {Briefing} b */
function glossaryPart(b) {
  return part("glossary", "Parties and topics", null,
    h("div", { class: "glossary" },
      h("section", { "aria-labelledby": "glossary-parties" }, h("h3", { id: "glossary-parties" }, "Parties"),
        h("dl", {}, b.parties.map((party) => h("div", { id: `parties-${party.id}` },
          h("dt", {}, party.name, h("span", { class: "meta" }, ` · ${label(party.kind)}`)),
          h("dd", {}, party.description, party.aliases.length ? ` Also: ${party.aliases.join(", ")}.` : ""))))),
      h("section", { "aria-labelledby": "glossary-topics" }, h("h3", { id: "glossary-topics" }, "Topics"),
        h("dl", {}, b.topics.map((topic) => h("div", { id: `topics-${topic.id}` },
          h("dt", {}, topic.name), h("dd", {}, topic.description)))))));
}

/** @param {Briefing} b */
function sourcesPart(b) {
  return part("sources", "Sources", "The outlets the article lists.",
    h("ul", { class: "cards grid" }, b.sources.map((source) => h("li", { id: `sources-${source.id}`, class: "card" },
      h("h3", {}, source.name),
      h("p", {}, h("span", { class: "meta" }, `${source.outlet} – `), source.title),
      quotes(source.citations, source.name)))));
}

/** @param {Briefing} b */
function render(b) {
  outlets.clear();
  for (const source of b.sources) outlets.set(source.id, { name: source.name, title: source.title });
  document.title = `${b.title} · Peacetalks Briefing`;
  /** @type {[string, string][]} */
  const toc = [["sections", "Sections"], ["timeline", "Timeline"], ["rounds", "Rounds"], ["positions", "Positions"],
    ["mediators", "Mediators"], ["barriers", "Barriers"], ["implications", "Implications"],
    ["takeaway", "Takeaway"], ["people", "People"], ["glossary", "Parties and topics"], ["sources", "Sources"]];
  const fragment = document.createDocumentFragment();
  fragment.append(opening(b), contents(toc), sectionsPart(b.sections), timelinePart(b), roundsPart(b.rounds),
    positionsPart(b), mediatorsPart(b), barriersPart(b), implicationsPart(b), takeawayPart(b), peoplePart(b),
    glossaryPart(b), sourcesPart(b));
  byId("main").replaceChildren(fragment);
  byId("colophon").hidden = false;
}

// ── The article panel ───────────────────────────────────────────────────────────────────────────────

/**
 * @typedef {{ citation: Citation, claim: string, index: number, count: number, outlet: string | null,
 *   outletAnchor: string | null }} Quote
 * @typedef {{ start: number, end: number, element: HTMLParagraphElement }} Paragraph
 */

/**
 * Code point → UTF-16 index. The API's offsets count Unicode code points (Python `str` indices); JavaScript
 * strings count UTF-16 code units, in which an emoji such as 🧨 is two.
 * @param {string} text
 * @returns {number[]} the UTF-16 index of every code point, and of the end (length: code points + 1)
 */
export function codePointIndex(text) {
  const index = [0];
  let position = 0;
  for (const character of text) {
    position += character.length;
    index.push(position);
  }
  return index;
}

/** The article text beside the briefing (below it, as a sheet, on narrow screens), with one passage marked. */
class ArticlePanel {
  constructor() {
    /** @type {WeakMap<Element, Quote>} */
    this.quotes = new WeakMap();
    /** @type {WeakMap<Element, { section: Section, heading: string }>} */
    this.sections = new WeakMap();
    this.text = "";
    /** @type {number[]} */
    this.utf16 = [0];
    /** @type {Paragraph[]} */
    this.paragraphs = [];
    /** @type {(() => void) | null} */
    this.undo = null;
    /** @type {HTMLElement | null} */
    this.opener = null;
    /** @type {Promise<void>} */
    this.ready = Promise.resolve();
    /** @type {HTMLElement | null} */
    this.title = null;
    this.aside = byId("source");
    this.body = byId("source-text");
    this.note = byId("source-note");
    this.back = byId("source-back");
    this.back.addEventListener("click", () => this.close());
    byId("source-close").addEventListener("click", () => this.close());
    this.aside.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
    document.addEventListener("click", (event) => {
      const button = event.target instanceof Element ? event.target.closest("button.cite, button.read") : null;
      if (button?.classList.contains("cite")) void this.showQuote(button);
      else if (button) void this.showSection(button);
    });
  }

  /** @param {Element} button @param {Quote} quote */
  register(button, quote) {
    this.quotes.set(button, quote);
  }

  /** @param {Element} button @param {Section} section @param {string} heading */
  registerSection(button, section, heading) {
    this.sections.set(button, { section, heading });
  }

  /**
   * Take the article text when it arrives.
   * @param {Promise<string>} text
   * @param {Briefing} b
   */
  expect(text, b) {
    this.title = h("p", { class: "source-document" },
      `“${b.document.title}”, published ${formatDate(b.document.published_on)}`);
    const headings = new Set([
      ...b.sections.map((section) => section.heading ?? ""),
      ...b.implications.map((item) => `${item.emoji} ${item.number}. ${item.heading}`),
    ]);
    this.ready = text.then((t) => this.load(t, headings), (error) => {
      this.body.replaceChildren(h("p", { class: "error", role: "alert" },
        `The article text could not be loaded: ${error instanceof Error ? error.message : String(error)}`));
      throw error;
    });
  }

  /** @param {string} text @param {Set<string>} headings */
  load(text, headings) {
    this.text = text;
    this.utf16 = codePointIndex(text);
    this.paragraphs = [];
    let start = 0;
    for (const line of text.split("\n")) {
      const end = start + Array.from(line).length;
      if (line.trim()) {
        const element = h("p", { class: headings.has(line.trim()) ? "heading" : null }, line);
        this.paragraphs.push({ start, end, element });
      }
      start = end + 1;
    }
    this.body.replaceChildren();
    append(this.body, [this.title, ...this.paragraphs.map((paragraph) => paragraph.element)]);
  }

  /** The text between two code-point offsets. @param {number} start @param {number} end */
  slice(start, end) {
    return this.text.slice(this.utf16[start], this.utf16[end]);
  }

  /** @param {Element} button */
  async showQuote(button) {
    const quote = this.quotes.get(button);
    if (!quote) return;
    await this.ready;
    const { citation } = quote;
    this.reset(button);
    this.note.replaceChildren(
      h("p", { class: "note-claim" }, `Quote ${quote.index + 1} of ${quote.count} for: `, h("strong", {}, quote.claim)),
      h("p", { id: "source-outlet", class: "note-outlet" }, quote.outlet && quote.outletAnchor
        ? ["Attributed to ", h("a", { href: quote.outletAnchor }, quote.outlet)]
        : "The article’s own words: it credits no outlet for this passage."));
    const passage = this.slice(citation.start, citation.end);
    if (passage !== citation.quote) {
      this.note.append(h("p", { class: "error", role: "alert" }, "This quote is not at its offsets in the article text."));
      this.open();
      return;
    }
    const mark = h("mark", { id: "passage", tabindex: "-1", "aria-describedby": "source-outlet" }, passage);
    this.highlight(citation.start, citation.end, mark);
    this.open();
    this.reveal(mark);
    mark.focus({ preventScroll: true });
  }

  /** @param {Element} button */
  async showSection(button) {
    const entry = this.sections.get(button);
    if (!entry) return;
    await this.ready;
    const { section, heading } = entry;
    this.reset(button);
    this.note.replaceChildren(h("p", { class: "note-claim" }, "Section: ", h("strong", {}, heading)),
      h("p", { class: "note-outlet" }, "Its paragraphs are outlined in the article text."));
    const inside = this.paragraphs.filter((p) => p.start < section.end && p.end > section.start);
    for (const paragraph of inside) paragraph.element.classList.add("in-section");
    this.undo = () => inside.forEach((paragraph) => paragraph.element.classList.remove("in-section"));
    this.open();
    const first = inside[0]?.element;
    if (first) {
      first.tabIndex = -1;
      this.reveal(first);
      first.focus({ preventScroll: true });
    }
  }

  /**
   * Wrap [start, end) in `node`, within one paragraph, or within one merged paragraph if it spans several.
   * @param {number} start @param {number} end @param {HTMLElement} node
   */
  highlight(start, end, node) {
    const first = this.paragraphs.findIndex((p) => p.end > start);
    const last = this.paragraphs.findIndex((p) => p.end >= end);
    const from = this.paragraphs[first];
    const to = this.paragraphs[last];
    if (!from || !to) return;
    const before = this.slice(from.start, Math.max(start, from.start));
    const after = this.slice(Math.min(end, to.end), to.end);
    if (first === last) {
      from.element.replaceChildren(before, node, after);
      this.undo = () => from.element.replaceChildren(this.slice(from.start, from.end));
      return;
    }
    const originals = this.paragraphs.slice(first, last + 1).map((p) => p.element);
    const merged = h("p", { class: "merged" }, before, node, after);
    from.element.replaceWith(merged);
    for (const element of originals.slice(1)) element.remove();
    this.undo = () => merged.replaceWith(...originals);
  }

  /** Scroll the article text, and only it, so that `element` is in the middle of its view. */
  /** @param {HTMLElement} element */
  reveal(element) {
    const box = this.body.getBoundingClientRect();
    const rect = element.getBoundingClientRect();
    const top = rect.top - box.top + this.body.scrollTop;
    const centred = top - Math.max(0, (box.height - rect.height) / 2);
    this.body.scrollTop = rect.height > box.height ? top - 8 : centred;
  }

  /** @param {Element} opener */
  reset(opener) {
    this.undo?.();
    this.undo = null;
    this.opener?.removeAttribute("aria-current");
    this.opener = opener instanceof HTMLElement ? opener : null;
    this.opener?.setAttribute("aria-current", "true");
  }

  open() {
    this.aside.dataset.open = "true";
    this.back.hidden = false;
  }

  /** Close the sheet (narrow screens) and return to the claim. */
  close() {
    this.aside.dataset.open = "false";
    this.back.hidden = true;
    this.opener?.focus();
  }
}

// ── Start ───────────────────────────────────────────────────────────────────────────────────────────

const panel = new ArticlePanel();

/** The briefing id in /briefings/{id}, or null at / (the first briefing). */
function requestedId() {
  const match = /^\/briefings\/([^/]+)\/?$/.exec(location.pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

async function main() {
  const id = requestedId();
  /** @type {Promise<Briefing>} */
  let briefing;
  /** @type {Promise<string>} */
  let text;
  const enc = encodeURIComponent;
  if (id === null) {
    const list = /** @type {BriefingList} */ (await (await get("/v1/briefings?limit=1")).json());
    const first = list.items[0];
    if (!first) throw new ApiError(404, "There is no briefing yet: run `briefing seed`.");
    briefing = get(`/v1/briefings/${enc(first.id)}`).then((r) => r.json());
    text = get(`/v1/documents/${enc(first.document.id)}/text`).then((r) => r.text());
  } else {
    briefing = get(`/v1/briefings/${enc(id)}`).then((r) => r.json());
    text = briefing.then((b) => get(`/v1/documents/${enc(b.document.id)}/text`)).then((r) => r.text());
  }
  const b = await briefing;
  panel.expect(text, b);
  render(b);
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
}

/** Search loads its module on first use. */
function wireSearch() {
  const form = /** @type {HTMLFormElement} */ (byId("search-form"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { search } = await import("./search.js");
    await search(form);
  });
}

wireSearch();
main().catch((error) => {
  const status = byId("status");
  status.setAttribute("role", "alert");
  status.classList.add("error");
  status.textContent = error instanceof ApiError
    ? `The briefing could not be loaded (${error.status}): ${error.message}`
    : `The briefing could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
  if (!document.getElementById("status")) byId("main").replaceChildren(status);
});
