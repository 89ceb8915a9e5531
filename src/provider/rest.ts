import type { HttpClient, HttpRequest, HttpResponse } from "../net/types.js";
import type { DnsProvider, PushOutcome, ProviderSettings, RecordUpdate } from "./types.js";
import { isDdnsError } from "../errors.js";

/**
 * Shared plumbing of the HTTP providers (DuckDNS ... ClouDNS): one request with a
 * deadline, the usual HTTP status classes turned into outcomes with operator
 * sentences, Retry-After, address-set reconciliation for APIs that keep one record
 * per address, and the per-update loop that stops early when a failure concerns the
 * whole provider table (bad credentials, rate limit), so one bad key costs one request.
 */

export type Failure = Extract<PushOutcome, { kind: "transient" | "permanent" }> & {
  /** The same answer would come for every other record of this table: stop sending. */
  tableWide?: boolean;
};
export type Result<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(failure: Failure): Result<T> => ({ ok: false, failure });

/** What a sentence needs: which provider, which table and key, which record. */
export interface Ctx {
  /** Provider type as the operator wrote it, e.g. "digitalocean". */
  provider: string;
  /** `[providers.NAME]` */
  table: string;
  /** Config keys that hold the credential, e.g. "token" or "apikey/secretapikey". */
  keyHint: string;
  record: string;
  now(): number;
}

export function ctxFor(settings: ProviderSettings, keyHint: string, now: () => number) {
  return (record: string): Ctx => ({ provider: settings.type, table: settings.name, keyHint, record, now });
}

/** The endpoint key or the spec's default, without a trailing slash. */
export function baseUrl(settings: ProviderSettings, fallback: string): string {
  const v = settings.values["endpoint"];
  return (typeof v === "string" && v !== "" ? v : fallback).replace(/\/+$/, "");
}

export function str(settings: ProviderSettings, key: string): string {
  const v = settings.values[key];
  return typeof v === "string" ? v : "";
}

/** Sends one request; a network failure becomes a transient outcome. */
export async function send(http: HttpClient, req: HttpRequest, signal: AbortSignal, ctx: Ctx): Promise<Result<HttpResponse>> {
  try {
    return ok(await http.request({ ...req, signal }));
  } catch (e) {
    // DdnsError NET_* messages name the host, never the query, headers or body.
    const why = isDdnsError(e) ? e.message : "the request failed";
    return fail({ kind: "transient", reason: `${ctx.provider} could not be reached for ${ctx.record}: ${why}` });
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unusable. */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
  const v = headers["retry-after"]?.trim();
  if (v === undefined || v === "") return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A short, printable excerpt of a provider's words (never the request). */
export function excerpt(text: string, max = 160): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function malformed(ctx: Ctx, what: string): Failure {
  return { kind: "transient", reason: `${ctx.provider} gave a malformed answer for ${ctx.record} (${what}); will try again` };
}

export function authFailure(ctx: Ctx, status: string, detail: string): Failure {
  const why = detail === "" ? status : `${status}: ${detail}`;
  return {
    kind: "permanent",
    tableWide: true,
    reason: `${ctx.provider} refused the credentials for ${ctx.record} (${why}): check ${ctx.keyHint} in [providers.${ctx.table}]`,
  };
}

export function rateLimited(ctx: Ctx, retryMs: number | undefined, detail = ""): Failure {
  const f: Failure = {
    kind: "transient",
    tableWide: true,
    reason: `${ctx.provider} is rate-limiting updates (${ctx.record})${detail === "" ? "" : `: ${detail}`}; will try again later`,
  };
  if (retryMs !== undefined) f.retryAfterMs = retryMs;
  return f;
}

/**
 * The common meaning of an HTTP status for a JSON API. `detail` is the provider's
 * own error text. 2xx gives null (not a failure). 404 is left to the caller when
 * `allow404` (a lookup), else permanent.
 */
export function classifyStatus(res: HttpResponse, ctx: Ctx, detail: string): Failure | null {
  const s = res.status;
  if (s >= 200 && s < 300) return null;
  const d = detail === "" ? "" : `: ${detail}`;
  if (s === 401 || s === 403) return authFailure(ctx, `HTTP ${s}`, detail);
  if (s === 429) return rateLimited(ctx, retryAfterMs(res.headers, ctx.now()), detail);
  if (s >= 500 || s === 408 || s === 409 || s === 423) {
    const f: Failure = { kind: "transient", reason: `${ctx.provider} failed to update ${ctx.record} (HTTP ${s}${d}); will try again` };
    const ra = retryAfterMs(res.headers, ctx.now());
    if (ra !== undefined) f.retryAfterMs = ra;
    return f;
  }
  if (s === 404) return { kind: "permanent", reason: `${ctx.provider} does not know the zone or record of ${ctx.record} (HTTP 404${d}): check the record name and zone in [providers.${ctx.table}]` };
  if (s >= 300 && s < 400) return { kind: "permanent", reason: `${ctx.provider} redirected the request for ${ctx.record} (HTTP ${s}): check endpoint in [providers.${ctx.table}]` };
  return { kind: "permanent", reason: `${ctx.provider} refused the update of ${ctx.record} (HTTP ${s}${d})` };
}

/** Canonical text of an address, so that provider spellings compare equal. */
export function canonical(address: string): string {
  if (!address.includes(":")) return address.trim();
  try {
    return new URL(`http://[${address.trim()}]/`).hostname.slice(1, -1);
  } catch {
    return address.trim().toLowerCase();
  }
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a.map(canonical));
  const y = new Set(b.map(canonical));
  return x.size === y.size && [...x].every((v) => y.has(v));
}

export function rrType(update: RecordUpdate): "A" | "AAAA" {
  return update.family === "ipv4" ? "A" : "AAAA";
}

/** `name` relative to `zone` ("" for the apex); null when the name is not inside it. */
export function relativeName(name: string, zone: string): string | null {
  const n = name.toLowerCase().replace(/\.$/, "");
  const z = zone.toLowerCase().replace(/\.$/, "");
  if (n === z) return "";
  return n.endsWith(`.${z}`) ? n.slice(0, -(z.length + 1)) : null;
}

/** Zones that could hold `name`, longest first, never a bare TLD. */
export function zoneCandidates(name: string): string[] {
  const labels = name.toLowerCase().replace(/\.$/, "").split(".");
  const out: string[] = [];
  for (let i = 0; i + 2 <= labels.length; i++) out.push(labels.slice(i).join("."));
  return out;
}

/**
 * The configured `zone`, or the longest suffix of the name the provider says it
 * has (`probe` answers with the zone's id, or null when that zone is not there).
 */
export async function findZone(
  name: string,
  configured: string,
  probe: (zone: string) => Promise<Result<string | null>>,
  ctx: Ctx,
): Promise<Result<{ zone: string; id: string }>> {
  if (configured !== "") {
    if (relativeName(name, configured) === null) {
      return fail({ kind: "permanent", reason: `${ctx.record} is not inside zone ${configured}: check zone in [providers.${ctx.table}]` });
    }
    const r = await probe(configured);
    if (!r.ok) return r;
    if (r.value !== null) return ok({ zone: configured, id: r.value });
  } else {
    for (const zone of zoneCandidates(name)) {
      const r = await probe(zone);
      if (!r.ok) return r;
      if (r.value !== null) return ok({ zone, id: r.value });
    }
  }
  return fail({
    kind: "permanent",
    reason: `${ctx.provider} has no zone holding ${ctx.record} in this account: check the name, or set zone in [providers.${ctx.table}]`,
  });
}

/** Cached record ids of one name and family, as "id=address" pairs. */
export interface IdRecord {
  id: string;
  value: string;
}

export function encodeIds(records: readonly IdRecord[]): string {
  return records.map((r) => `${r.id}=${r.value}`).join(" ");
}

export function decodeIds(text: string | undefined): IdRecord[] | null {
  if (text === undefined || text === "") return null;
  const out: IdRecord[] = [];
  for (const pair of text.split(" ")) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || eq === pair.length - 1) return null;
    out.push({ id: pair.slice(0, eq), value: pair.slice(eq + 1) });
  }
  return out;
}

/** The writes that turn `existing` records into `desired` addresses: reuse ids first. */
export function reconcile(existing: readonly IdRecord[], desired: readonly string[]) {
  const want = [...new Set(desired.map(canonical))];
  const keep: IdRecord[] = [];
  const free: IdRecord[] = [];
  const held = new Set<string>();
  for (const r of existing) {
    const v = canonical(r.value);
    if (want.includes(v) && !held.has(v)) {
      keep.push(r);
      held.add(v);
    } else {
      free.push(r);
    }
  }
  const missing = want.filter((v) => !held.has(v));
  const updates: IdRecord[] = [];
  const creates: string[] = [];
  missing.forEach((value, i) => {
    const slot = free[i];
    if (slot !== undefined) updates.push({ id: slot.id, value });
    else creates.push(value);
  });
  const deletes = free.slice(missing.length).map((r) => r.id);
  return { keep, updates, creates, deletes };
}

export interface RecordOps {
  update(id: string, value: string): Promise<Result<void>>;
  create(value: string): Promise<Result<string>>;
  remove(id: string): Promise<Result<void>>;
}

/** Carries out `reconcile`; returns the ids now holding the desired addresses. */
export async function applyRecords(existing: readonly IdRecord[], desired: readonly string[], ops: RecordOps): Promise<Result<IdRecord[]>> {
  const plan = reconcile(existing, desired);
  const now: IdRecord[] = [...plan.keep];
  for (const u of plan.updates) {
    const r = await ops.update(u.id, u.value);
    if (!r.ok) return r;
    now.push(u);
  }
  for (const value of plan.creates) {
    const r = await ops.create(value);
    if (!r.ok) return r;
    now.push({ id: r.value, value });
  }
  for (const id of plan.deletes) {
    const r = await ops.remove(id);
    if (!r.ok) return r;
  }
  return ok(now);
}

/**
 * Runs `one` for each group of updates in order (a group shares one request; its
 * outcome applies to every update in it). After a table-wide failure (credentials,
 * rate limit) the remaining groups get the same outcome without a request. Every
 * reason is scrubbed of the table's secret values as a last line of defence.
 */
export async function pushGroups(
  groups: readonly (readonly RecordUpdate[])[],
  settings: ProviderSettings,
  one: (g: readonly RecordUpdate[]) => Promise<PushOutcome | Failure>,
): Promise<Map<string, PushOutcome>> {
  const out = new Map<string, PushOutcome>();
  let stop: Failure | null = null;
  for (const g of groups) {
    let o: PushOutcome | Failure;
    if (stop !== null) {
      o = { ...stop, reason: `not sent for ${g.map((u) => u.name).join(", ")}: ${stop.reason}` };
    } else {
      o = await one(g);
      if ((o.kind === "transient" || o.kind === "permanent") && "tableWide" in o && o.tableWide === true) stop = o;
    }
    for (const u of g) out.set(u.key, scrub(o, settings));
  }
  return out;
}

export function pushEach(
  updates: readonly RecordUpdate[],
  settings: ProviderSettings,
  one: (u: RecordUpdate) => Promise<PushOutcome | Failure>,
): Promise<Map<string, PushOutcome>> {
  return pushGroups(
    updates.map((u) => [u]),
    settings,
    (g) => one(g[0]!),
  );
}

/** Updates grouped by a key, in first-seen order. */
export function groupBy(updates: readonly RecordUpdate[], key: (u: RecordUpdate) => string): RecordUpdate[][] {
  const m = new Map<string, RecordUpdate[]>();
  for (const u of updates) m.set(key(u), [...(m.get(key(u)) ?? []), u]);
  return [...m.values()];
}

function scrub(o: PushOutcome | Failure, settings: ProviderSettings): PushOutcome {
  const secrets = settings.secretKeys.map((k) => settings.values[k]).filter((v): v is string => typeof v === "string" && v.length >= 4);
  const clean = (s: string) => secrets.reduce((t, v) => t.split(v).join("[secret]"), s);
  switch (o.kind) {
    case "transient": {
      const t: PushOutcome = { kind: "transient", reason: clean(o.reason) };
      if (o.retryAfterMs !== undefined) t.retryAfterMs = o.retryAfterMs;
      if (o.cache !== undefined) t.cache = o.cache;
      return t;
    }
    case "permanent":
      return { kind: "permanent", reason: clean(o.reason) };
    case "updated":
      return o.message === undefined ? o : { ...o, message: clean(o.message) };
    default:
      return o;
  }
}

/** Builds a provider whose `push` runs `one` per update through `pushEach`. */
export function perUpdate(settings: ProviderSettings, one: (u: RecordUpdate, signal: AbortSignal) => Promise<PushOutcome | Failure>): DnsProvider {
  return { push: (updates, signal) => pushEach(updates, settings, (u) => one(u, signal)) };
}
