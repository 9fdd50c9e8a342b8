/**
 * A typed client for the Peacetalks Briefing API: openapi-fetch over the types that openapi-typescript
 * generates from the committed openapi.json (`npm run generate`, or `make client` at the repository root).
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";

import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };
export type Schemas = components["schemas"];
export type Briefing = paths["/v1/briefings/{item_id}"]["get"]["responses"][200]["content"]["application/json"];
export type Citation = Briefing["takeaway"]["citations"][number];
export type Problem = Schemas["Problem"];
/**
 * The media types the client is typed for: JSON responses and problem documents. Responses also come as
 * `application/vnd.peacetalks.partial+json` (with `fields`: items with only some fields), `text/csv` and
 * `application/x-ndjson` (exports); leaving those out keeps every item type exact (no optional fields).
 * Fetch exports and partial responses with `fetch`, or with `parseAs: "text"`.
 */
export type Media = "application/json" | "application/problem+json";
export type BriefingClient = Client<paths, Media>;

/** A client for the API at `baseUrl` (for example `http://127.0.0.1:8000`). */
export function createBriefingClient(baseUrl: string, options: Omit<ClientOptions, "baseUrl"> = {}): BriefingClient {
  return createClient<paths, Media>({ ...options, baseUrl });
}

/** The paths of the paginated collections: `{ items, next_cursor }` pages with a `cursor` parameter. */
export type ListPath = {
  [P in keyof paths]: paths[P]["get"] extends {
    parameters: { query?: { cursor?: string | null } };
    responses: { 200: { content: { "application/json": { items: unknown[]; next_cursor: string | null } } } };
  }
    ? P
    : never;
}[keyof paths];

type Item<P extends ListPath> =
  paths[P]["get"]["responses"][200]["content"]["application/json"]["items"][number];
type Query<P extends ListPath> = NonNullable<paths[P]["get"]["parameters"]["query"]>;

/** An error response of the API: an RFC 9457 problem. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}`);
  }
}

/**
 * Every item of a list, following `next_cursor` page by page until it is null.
 * `query` takes the list's filters and `limit` (the page size).
 */
export async function* listAll<P extends ListPath>(
  client: BriefingClient,
  path: P,
  query: Omit<Query<P>, "cursor"> = {} as Omit<Query<P>, "cursor">,
): AsyncGenerator<Item<P>, void, undefined> {
  let cursor: string | null = null;
  do {
    const init = { params: { query: { ...query, ...(cursor === null ? {} : { cursor }) } } };
    // openapi-fetch cannot narrow a GET over a union of paths: the page's shape is given by ListPath.
    const { data, error } = (await client.GET(path as never, init as never)) as {
      data?: { items: Item<P>[]; next_cursor: string | null };
      error?: Problem;
    };
    if (error !== undefined || data === undefined) throw new ProblemError(error as Problem);
    yield* data.items;
    cursor = data.next_cursor;
  } while (cursor !== null);
}

/** A document's text (`text/plain`, byte-exact). */
export async function documentText(client: BriefingClient, id: string): Promise<string> {
  const { data, error } = await client.GET("/v1/documents/{item_id}/text", {
    params: { path: { item_id: id } },
    parseAs: "text",
  });
  if (error !== undefined || data === undefined) throw new ProblemError(error as Problem);
  return data;
}

/**
 * The quoted passage: the API's offsets count Unicode code points, JavaScript strings UTF-16 code units.
 */
export function quoteOf(text: string, citation: Pick<Citation, "start" | "end">): string {
  return Array.from(text).slice(citation.start, citation.end).join("");
}
