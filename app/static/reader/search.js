// @ts-check
/**
 * Search over /v1/search; every hit links to its item on the page. Imported on the first search only, so
 * it costs nothing at load (reader.js is already in the module map: importing it is no request).
 */

import { h } from "./reader.js";

/** @typedef {import("../../../clients/typescript/src/schema").paths} Paths */
/** @typedef {Paths["/v1/search"]["get"]["responses"][200]["content"]["application/json"]} SearchPage */
/** @typedef {SearchPage["items"][number]} SearchHit */

const LIMIT = 20;

/** @type {Record<string, string>} */
const TYPE_LABEL = {
  barriers: "Barrier", briefings: "Briefing", documents: "Article", events: "Event", implications: "Implication",
  mediators: "Mediator", parties: "Party", people: "Person", positions: "Position", rounds: "Round",
  sources: "Source", topics: "Topic",
};

/** Where a hit is on the page: `#{collection}-{id}` (the article itself is the text panel). */
/** @param {SearchHit} hit */
export function anchorFor(hit) {
  return hit.type === "documents" ? "#source" : `#${hit.type}-${hit.id}`;
}

/** The snippet with its `[[`…`]]` matches as <mark> elements (text nodes only: no markup is parsed). */
/** @param {string} snippet */
function highlighted(snippet) {
  return snippet.split(/\[\[|\]\]/).map((part, i) => (i % 2 ? h("mark", {}, part) : part));
}

let wired = false;

/** @param {HTMLFormElement} form */
function wire(form) {
  const results = /** @type {HTMLElement} */ (form.querySelector("#search-results"));
  const hide = () => {
    results.hidden = true;
  };
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !results.hidden) {
      hide();
      /** @type {HTMLInputElement} */ (form.elements.namedItem("q")).focus();
    }
  });
  results.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("a")) hide();
  });
  document.addEventListener("click", (event) => {
    if (event.target instanceof Node && !form.contains(event.target)) hide();
  });
  wired = true;
}

/**
 * Run the form's query and list the hits.
 * @param {HTMLFormElement} form
 */
export async function search(form) {
  if (!wired) wire(form);
  const input = /** @type {HTMLInputElement} */ (form.elements.namedItem("q"));
  const results = /** @type {HTMLElement} */ (form.querySelector("#search-results"));
  const status = /** @type {HTMLElement} */ (form.querySelector("#search-status"));
  const list = /** @type {HTMLElement} */ (form.querySelector("#search-list"));
  const q = input.value.trim();
  if (!q) return;
  results.hidden = false;
  status.textContent = "Searching…";
  const response = await fetch(`/v1/search?${new URLSearchParams({ q, limit: String(LIMIT) })}`);
  if (!response.ok) {
    /** @type {{ detail?: string | null, title?: string }} */
    const problem = await response.json().catch(() => ({}));
    status.textContent = `Search failed: ${problem.detail || problem.title || response.statusText}`;
    list.replaceChildren();
    return;
  }
  const page = /** @type {SearchPage} */ (await response.json());
  const count = page.items.length;
  status.textContent = count === 0
    ? `Nothing matches “${q}”.`
    : `${count}${page.next_cursor ? "+" : ""} ${count === 1 ? "match" : "matches"} for “${q}”`;
  list.replaceChildren(...page.items.map((hit) => h("li", {},
    h("a", { href: anchorFor(hit) }, h("span", { class: "hit-type" }, TYPE_LABEL[hit.type] ?? hit.type), " ", hit.title),
    h("p", { class: "snippet" }, highlighted(hit.snippet)))));
}
