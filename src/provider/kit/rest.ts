import type { HttpClient, HttpRequest, HttpResponse } from "../../net/types.js";
import type { DnsProvider, PushOutcome, ProviderSettings, ReadOutcome, RecordRead, RecordUpdate } from "../types.js";
import { isDdnsError } from "../../errors.js";

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
  /** A cached id was not found (404): look the record up again once. */
  stale?: boolean;
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
  /** The push's signal (deadline and cancellation). */
  signal: AbortSignal;
}

const NEVER = new AbortController().signal;

export function ctxFor(settings: ProviderSettings, keyHint: string, now: () => number) {
  return (record: string, signal: AbortSignal = NEVER): Ctx => ({ provider: settings.type, table: settings.name, keyHint, record, now, signal });
}

/** The endpoint key or the spec's default, without a trailing slash. */
export function baseUrl(settings: ProviderSettings, fallback: string): string {
  const v = settings.values["endpoint"];
  return (typeof v === "string" && v !== "" ? v : fallback).replace(/\/+$/, "");
}

/** A URL path segment: percent-encoded, but "@" (the apex in several APIs) kept literal as RFC 3986 allows. */
export function seg(text: string): string {
  return encodeURIComponent(text).replace(/%40/g, "@");
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

/**
 * How long a provider asks us to wait: Retry-After (seconds or an HTTP date), else a
 * RateLimit-Reset / X-RateLimit-Reset header (epoch seconds when large, else seconds
 * to wait), as DigitalOcean, Hetzner and Linode send. Undefined when none is usable.
 */
export function retryAfterMs(headers: Record<string, string>, now: number): number | undefined {
  const v = headers["retry-after"]?.trim();
  if (v !== undefined && v !== "") {
    if (/^\d+$/.test(v)) return Number(v) * 1000;
    const at = Date.parse(v);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = (headers["ratelimit-reset"] ?? headers["x-ratelimit-reset"])?.trim();
  if (reset === undefined || !/^\d+$/.test(reset)) return undefined;
  const n = Number(reset);
  return n > 1_000_000_000 ? Math.max(0, n * 1000 - now) : n * 1000;
}

/** A JSON error body's own wait, in seconds (GoDaddy's `retryAfterSec`). */
function bodyRetryAfterMs(body: string): number | undefined {
  const j = parseJson(body);
  const v = isObject(j) ? j["retryAfterSec"] : undefined;
  return typeof v === "number" && v >= 0 ? v * 1000 : undefined;
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
  if (s === 429) return rateLimited(ctx, retryAfterMs(res.headers, ctx.now()) ?? bodyRetryAfterMs(res.body), detail);
  if (s >= 500 || s === 408 || s === 409 || s === 423) {
    const f: Failure = { kind: "transient", reason: `${ctx.provider} failed to update ${ctx.record} (HTTP ${s}${d}); will try again` };
    // 503 means the whole API is unavailable (Porkbun also answers its rate limit so): stop the table.
    if (s === 503) f.tableWide = true;
    const ra = retryAfterMs(res.headers, ctx.now());
    if (ra !== undefined) f.retryAfterMs = ra;
    return f;
  }
  if (s === 404) return { kind: "permanent", reason: `${ctx.provider} does not know the zone or record of ${ctx.record} (HTTP 404${d}): check the record name and zone in [providers.${ctx.table}]` };
  if (s >= 300 && s < 400) return { kind: "permanent", reason: `${ctx.provider} redirected the request for ${ctx.record} (HTTP ${s}): check endpoint in [providers.${ctx.table}]` };
  return { kind: "permanent", reason: `${ctx.provider} refused the update of ${ctx.record} (HTTP ${s}${d})` };
}

/** The provider's own error words from a JSON (or text) error body. */
export function jsonDetail(body: string): string {
  const j = parseJson(body);
  if (!isObject(j)) return excerpt(body, 120);
  const pick = (v: unknown): string | undefined => {
    if (typeof v === "string" && v !== "") return v;
    if (isObject(v)) return pick(v["message"]) ?? pick(v["reason"]) ?? pick(v["detail"]);
    if (Array.isArray(v)) return v.map(pick).filter((x) => x !== undefined).join("; ") || undefined;
    return undefined;
  };
  const text = pick(j["message"]) ?? pick(j["error"]) ?? pick(j["errors"]) ?? pick(j["detail"]) ?? pick(j["statusDescription"]) ?? "";
  return excerpt(text, 160);
}

export interface JsonReply {
  status: number;
  headers: Record<string, string>;
  json: unknown;
}

/**
 * One JSON API exchange: network failures, error statuses and unparsable bodies
 * become failures. `allow404` hands a 404 back (a lookup that found nothing);
 * `stale404` marks it stale (a cached id is gone). `empty` accepts an empty body.
 */
export interface CallOpts {
  allow404?: boolean;
  stale404?: boolean;
  empty?: boolean;
  /** The body cap of this request (default net/http's 64 KiB): a zone listing page sets `pageBodyCap`. */
  maxBodyBytes?: number;
}

/**
 * The body cap for one page of a zone listing of `perPage` records (issue 14): 2 KiB a
 * record, room for long TXT records (a 2048-bit DKIM key is about 420 bytes of JSON), so
 * that a page of the provider's documented size never hits net/http's 64 KiB default
 * while one page, never the whole zone, is held at a time.
 */
/** A zone whose listing has more pages than ddns reads: refused, since a partial list could make ddns create a duplicate. */
export function tooLong(provider: string, zone: string, records: number): string {
  return `${provider} lists more than ${records} records in zone ${zone}; ddns reads no further than that, so it cannot tell whether the name already has records: give ddns a name in a smaller zone`;
}

export function pageBodyCap(perPage: number): number {
  return perPage * 2048;
}

export async function callJson(http: HttpClient, req: HttpRequest, c: Ctx, opts: CallOpts = {}): Promise<Result<JsonReply>> {
  const r = await send(http, { ...req, headers: { accept: "application/json", ...req.headers }, ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}) }, c.signal, c);
  if (!r.ok) return r;
  const res = r.value;
  if (res.status === 404 && opts.allow404 === true) return ok({ status: 404, headers: res.headers, json: parseJson(res.body) });
  const failure = classifyStatus(res, c, jsonDetail(res.body));
  if (failure !== null) return fail(res.status === 404 && opts.stale404 === true ? { ...failure, stale: true } : failure);
  if (res.body.trim() === "" && opts.empty === true) return ok({ status: res.status, headers: res.headers, json: null });
  const json = parseJson(res.body);
  if (json === undefined) return fail(malformed(c, `HTTP ${res.status}, not JSON`));
  return ok({ status: res.status, headers: res.headers, json });
}

export function jsonHeaders(extra: Record<string, string>): Record<string, string> {
  return { "content-type": "application/json", ...extra };
}

export type JsonCall = (method: HttpRequest["method"], path: string, c: Ctx, body?: unknown, opts?: CallOpts & { headers?: Record<string, string> }) => Promise<Result<JsonReply>>;

/** `callJson` bound to one API: base URL and auth headers; a body is sent as JSON. */
export function jsonApi(http: HttpClient, base: string, auth: Record<string, string>): JsonCall {
  return (method, path, c, body, opts = {}) => {
    const headers = { ...auth, ...opts.headers };
    const req: HttpRequest = body === undefined ? { method, url: `${base}${path}`, headers } : { method, url: `${base}${path}`, headers: jsonHeaders(headers), body: JSON.stringify(body) };
    return callJson(http, req, c, opts);
  };
}

/** `json[k1][k2]...`, or undefined where a step is not an object. */
export function pick(json: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), json);
}

/**
 * A zone probe by GET: 404 means "not this zone"; otherwise `id` reads the zone's id
 * from the answer (null: the answer does not describe that zone, a malformed answer).
 */
export async function probeByGet(call: JsonCall, path: string, c: Ctx, id: (json: unknown) => string | null): Promise<Result<string | null>> {
  const r = await call("GET", path, c, undefined, { allow404: true });
  if (!r.ok) return r;
  if (r.value.status === 404) return ok(null);
  const v = id(r.value.json);
  return v === null ? fail(malformed(c, "the answer does not describe the zone")) : ok(v);
}

/** A write's answer when only success matters. */
export function done(r: Result<unknown>): Result<void> {
  return r.ok ? ok(undefined) : r;
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

export function rrType(update: Pick<RecordUpdate, "family">): "A" | "AAAA" {
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

/**
 * Builds a provider whose `push` runs `one` per update through `pushEach`. `check`,
 * when given, is a read-only request that proves the credentials (`ddns check --online`).
 */
export function perUpdate(
  settings: ProviderSettings,
  one: (u: RecordUpdate, signal: AbortSignal) => Promise<PushOutcome | Failure>,
  check?: (signal: AbortSignal) => Promise<Result<unknown>>,
  read?: (r: RecordRead, signal: AbortSignal) => Promise<ReadOutcome | Failure>,
): DnsProvider {
  const provider: DnsProvider = { push: (updates, signal) => pushEach(updates, settings, (u) => one(u, signal)) };
  if (read !== undefined) provider.readRecords = (records, signal) => readEach(records, settings, (r) => read(r, signal));
  if (check !== undefined) {
    provider.verify = async (signal) => {
      const r = await check(signal);
      if (r.ok) return { ok: true };
      const scrubbed = scrub(r.failure, settings);
      return { ok: false, reason: scrubbed.kind === "permanent" || scrubbed.kind === "transient" ? scrubbed.reason : "failed" };
    };
  }
  return provider;
}

/** The name a credential check uses where an update names its record. */
export const CHECK = "the read-only credential check";

/**
 * Runs `one` read per record (issue 17). A failure becomes "unknown" with its reason
 * (scrubbed of the table's secrets); after a table-wide one (credentials, rate limit)
 * the remaining records get the same answer without a request.
 */
export async function readEach(
  records: readonly RecordRead[],
  settings: ProviderSettings,
  one: (r: RecordRead) => Promise<ReadOutcome | Failure>,
): Promise<Map<string, ReadOutcome>> {
  const out = new Map<string, ReadOutcome>();
  let stop: Failure | null = null;
  for (const r of records) {
    const skipped = stop !== null;
    const o: ReadOutcome | Failure = stop ?? (await one(r));
    if (o.kind === "found") {
      out.set(r.key, o);
      continue;
    }
    if (o.kind === "unknown") {
      out.set(r.key, { kind: "unknown", reason: scrubText(o.reason, settings) });
      continue;
    }
    if (stop === null && o.tableWide === true) stop = o;
    out.set(r.key, { kind: "unknown", reason: scrubText(skipped ? `not asked for ${r.name}: ${o.reason}` : o.reason, settings) });
  }
  return out;
}

function scrubText(text: string, settings: ProviderSettings): string {
  const secrets = settings.secretKeys.map((k) => settings.values[k]).filter((v): v is string => typeof v === "string" && v.length >= 4);
  return secrets.reduce((t, v) => t.split(v).join("[secret]"), text);
}
