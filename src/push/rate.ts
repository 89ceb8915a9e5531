/**
 * Per-source limits for the push receiver, as a small bounded table kept between
 * connections (push/store.ts writes it to `<pushDir>/sources.json`). Pure functions.
 *
 * Within one window per source: at most REQUEST_LIMIT requests and FAIL_LIMIT failed
 * authentications; past either, the source is answered `abuse` until its window ends.
 * A failed authentication is logged once per source and window; the next window's
 * first report says how many were left unlogged.
 */

export const WINDOW_S = 600;
export const REQUEST_LIMIT = 30;
export const FAIL_LIMIT = 5;
/** Sources remembered; the oldest window is dropped first. */
export const SOURCE_LIMIT = 128;

export interface SourceEntry {
  /** epoch seconds the window began */
  start: number;
  requests: number;
  fails: number;
  /** Failed authentications not logged in the previous window (reported with the next one). */
  unlogged: number;
  /** The block of this window was logged. */
  blockLogged: boolean;
}

export type RateTable = Record<string, SourceEntry>;

export type Admission = { kind: "admit" } | { kind: "abuse"; retryAfter: number; note?: string };

/** Counts one request from `from`; says whether to serve it. Mutates `table`. */
export function admit(table: RateTable, from: string, now: number): Admission {
  const entry = current(table, from, now);
  entry.requests += 1;
  if (entry.requests > REQUEST_LIMIT || entry.fails >= FAIL_LIMIT) {
    const retryAfter = Math.max(1, entry.start + WINDOW_S - now);
    if (entry.blockLogged) return { kind: "abuse", retryAfter };
    entry.blockLogged = true;
    const why = entry.fails >= FAIL_LIMIT ? `${entry.fails} failed authentications` : `${REQUEST_LIMIT} requests`;
    return { kind: "abuse", retryAfter, note: `push: ${from} sent ${why} within ${WINDOW_S / 60} minutes; answering abuse for ${retryAfter} s` };
  }
  return { kind: "admit" };
}

/** Counts a failed authentication; returns the sentence to log, or undefined when already logged this window. */
export function failed(table: RateTable, from: string, now: number): string | undefined {
  const entry = current(table, from, now);
  entry.fails += 1;
  if (entry.fails !== 1) return undefined;
  const more = entry.unlogged > 0 ? ` (${entry.unlogged} more in the previous ${WINDOW_S / 60} minutes were not logged)` : "";
  return `push: authentication failed from ${from}${more}; further failures from it are logged once per ${WINDOW_S / 60} minutes`;
}

function current(table: RateTable, from: string, now: number): SourceEntry {
  let entry = table[from];
  if (entry !== undefined && now - entry.start < WINDOW_S && now >= entry.start) return entry;
  const unlogged = entry === undefined ? 0 : Math.max(0, entry.fails - 1);
  entry = { start: now, requests: 0, fails: 0, unlogged, blockLogged: false };
  table[from] = entry;
  evict(table, now);
  return entry;
}

/** Drops windows long over, then the oldest, until the table is within SOURCE_LIMIT. */
function evict(table: RateTable, now: number): void {
  for (const [k, e] of Object.entries(table)) {
    if (now - e.start >= 2 * WINDOW_S) delete table[k];
  }
  const keys = Object.keys(table);
  if (keys.length <= SOURCE_LIMIT) return;
  keys.sort((a, b) => (table[a]?.start ?? 0) - (table[b]?.start ?? 0));
  for (const k of keys.slice(0, keys.length - SOURCE_LIMIT)) delete table[k];
}

/** Reads a table from untrusted JSON text (a damaged file starts a fresh table). */
export function parseTable(text: string): RateTable {
  const table: RateTable = {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return table;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return table;
  for (const [k, v] of Object.entries(data as Record<string, unknown>).slice(0, SOURCE_LIMIT)) {
    if (typeof v !== "object" || v === null) continue;
    const e = v as Record<string, unknown>;
    const num = (x: unknown): number => (typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : 0);
    table[k] = { start: num(e.start), requests: num(e.requests), fails: num(e.fails), unlogged: num(e.unlogged), blockLogged: e.blockLogged === true };
  }
  return table;
}
