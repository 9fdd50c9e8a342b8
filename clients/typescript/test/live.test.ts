/**
 * The client against a running server: BRIEFING_BASE_URL (the Python test suite starts one on each backend).
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  createBriefingClient,
  documentText,
  listAll,
  ProblemError,
  quoteOf,
  type Citation,
  type Problem,
} from "../src/index.js";

const baseUrl = process.env.BRIEFING_BASE_URL;
const skip = baseUrl ? false : "BRIEFING_BASE_URL is not set (no server to test against)";
const client = createBriefingClient(baseUrl ?? "http://127.0.0.1:1");

function citationsOf(value: unknown, found: Citation[] = []): Citation[] {
  if (Array.isArray(value)) value.forEach((item) => citationsOf(item, found));
  else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "citations" && Array.isArray(inner)) found.push(...(inner as Citation[]));
      else citationsOf(inner, found);
    }
  }
  return found;
}

test("the whole briefing, and every quote is at its code-point offsets", { skip }, async () => {
  const list = await client.GET("/v1/briefings", { params: { query: { limit: 1 } } });
  assert.ok(list.data, "the briefings list answered");
  const first = list.data.items[0];
  assert.ok(first, "there is a briefing");
  const { data: briefing, response } = await client.GET("/v1/briefings/{item_id}", {
    params: { path: { item_id: first.id } },
  });
  assert.equal(response.status, 200);
  assert.ok(briefing);
  assert.equal(briefing.id, first.id);
  assert.equal(briefing.implications.length, 6);
  assert.deepEqual(briefing.implications.map((item) => item.number), [1, 2, 3, 4, 5, 6]);
  assert.ok(briefing.sections.length > 0 && briefing.rounds.length > 0 && briefing.mediators.length > 0);
  const text = await documentText(client, briefing.document.id);
  assert.equal(Array.from(text).length, briefing.document.length);
  const citations = citationsOf(briefing);
  assert.ok(citations.length > 0); // 88 on the curated data
  for (const citation of citations) assert.equal(quoteOf(text, citation), citation.quote);
  // An emoji is one code point but two UTF-16 units: slicing UTF-16 would miss every quote after one.
  assert.ok(citations.some((c) => text.slice(c.start, c.end) !== c.quote));
});

test("a list paged to the end with the cursor", { skip }, async () => {
  const { data: whole } = await client.GET("/v1/barriers", { params: { query: { limit: 200 } } });
  assert.ok(whole);
  assert.equal(whole.next_cursor, null);
  const paged = [];
  for await (const barrier of listAll(client, "/v1/barriers", { limit: 5 })) paged.push(barrier.id);
  assert.equal(paged.length, whole.items.length);
  assert.ok(paged.length > 5, "more than one page");
  assert.deepEqual(paged, whole.items.map((barrier) => barrier.id));
  const filtered = [];
  for await (const position of listAll(client, "/v1/positions", { limit: 2, party: "russia" })) {
    assert.equal(position.party.id, "russia");
    filtered.push(position.id);
  }
  assert.equal(new Set(filtered).size, filtered.length);
  assert.ok(filtered.length > 2);
});

test("an unknown id is a 404 problem", { skip }, async () => {
  const { data, error, response } = await client.GET("/v1/rounds/{item_id}", {
    params: { path: { item_id: "no-such-round" } },
  });
  assert.equal(data, undefined);
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.ok(error);
  // openapi.json declares the Problem schema under application/json and only an example under
  // application/problem+json (the type the server sends), so the generated error type is loose.
  const problem = error as Problem;
  assert.equal(problem.status, 404);
  assert.equal(typeof problem.title, "string");
  assert.match(String(problem.detail), /no-such-round/);
  await assert.rejects(documentText(client, "no-such-document"), (thrown: unknown) => {
    assert.ok(thrown instanceof ProblemError);
    assert.equal(thrown.problem.status, 404);
    return true;
  });
});

test("items are typed exactly; exports and partial items come as text", { skip }, async () => {
  const { data } = await client.GET("/v1/positions", { params: { query: { limit: 1 } } });
  assert.ok(data);
  const first = data.items[0];
  assert.ok(first);
  // These compile only while the client's item types are exact: a partial (`fields`) item type in the
  // union would make every field optional. The client is typed for JSON and problem documents only.
  const summary: string = first.summary;
  const partyId: string = first.party.id;
  assert.ok(summary.length > 0 && partyId.length > 0);
  const csv = await client.GET("/v1/positions.{format}", {
    params: { path: { format: "csv" }, query: { kind: "demand", fields: "id,party" } },
    parseAs: "text",
  });
  const lines = (csv.data ?? "").trimEnd().split("\r\n");
  assert.equal(lines[0], "id,party_id,party_name");
  assert.ok(lines.length > 1);
  const partial = await fetch(`${baseUrl}/v1/positions?limit=2&fields=summary`);
  assert.equal(partial.headers.get("content-type"), "application/vnd.peacetalks.partial+json");
  const page = (await partial.json()) as { items: object[] };
  assert.deepEqual(page.items.map((item) => Object.keys(item)), [["summary"], ["summary"]]);
});
