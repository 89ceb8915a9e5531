import type { DnsProvider, ProviderCache, ProviderDeps, ProviderSettings, PushOutcome, ReadOutcome, RecordRead, RecordUpdate } from "../types.js";
import { cloudflareSpec } from "./spec.js";
import { DdnsError, isDdnsError } from "../../errors.js";
import { retryAfterMs } from "../kit/rest.js";
import { foreignRecords, refuseForeign } from "../kit/record-sets.js";

/**
 * Cloudflare API v4 with an API token (notes/providers.md §18, facts.md).
 * First push of a record: find the zone (GET /zones?name=, walking the name's
 * suffixes, longest first, so a delegated sub-zone wins), list the A/AAAA records
 * of the name, then PATCH, POST or DELETE so that exactly the wanted addresses
 * remain. Zone and record ids go to the cache, so a later change of a one-address
 * record is a single PATCH of `content` (TTL, proxied and comment stay as they are).
 * A cached id that fails is looked up again once. As favonia/cloudflare-ddns does,
 * the `success` envelope is checked, not only the HTTP status.
 *
 * Issue 14, from Cloudflare's own documents:
 * - 429: "The global rate limit for the Cloudflare API is 1,200 requests per five
 *   minute period per user ... If you exceed this, all API calls for the next five
 *   minutes will be blocked, receiving a HTTP 429 response"
 *   (developers.cloudflare.com/fundamentals/api/reference/limits/). The first 429 stops
 *   every further request of this push and asks the engine to hold the whole entry
 *   (PushOutcome account) for Retry-After, five minutes when it gives none.
 * - Lists are paged: result_info {page, per_page, total_pages}; dns_records per_page
 *   defaults to 100 (api-schemas "dns-records_per_page": default 100). ddns follows
 *   total_pages, at most MAX_PAGES pages.
 * - TTL: "Setting to 1 means 'automatic'. Value must be between 60 and 86400, with the
 *   minimum reduced to 30 for Enterprise zones." A PATCH without ttl keeps the record's.
 * - A/AAAA records that are not ddns's: a name holding several records of the type,
 *   one of them neither published by ddns nor wanted, is refused, not pruned.
 */

interface CfError {
  code: number;
  message: string;
}
interface CfRecord {
  id: string;
  name: string;
  type: string;
  content: string;
  proxied?: boolean;
}
interface CfZone {
  id: string;
  name: string;
}

interface Failure {
  kind: "transient" | "permanent";
  reason: string;
  retryAfterMs?: number;
  /** The id in the path is unknown to Cloudflare (404, 81044, 7003, 7000). */
  stale: boolean;
  /** Only the record id is unknown (81044): the zone id still holds. */
  recordGone: boolean;
  /** The token itself was refused (no point looking anything up again). */
  badToken: boolean;
  /** HTTP 429: the account is blocked for a while; nothing more is sent. */
  rateLimited?: boolean;
}
type Call<T> = { ok: true; result: T; info?: Record<string, unknown> } | { ok: false; failure: Failure };

// 9109 invalid access token, 6003/6111 malformed Authorization header,
// 9103/9106 unknown or missing legacy key, 10000 authentication error (also: no permission).
const TOKEN_CODES = new Set([9109, 6003, 6111, 9103, 9106]);
const AUTH_CODES = new Set([...TOKEN_CODES, 10000]);
// 81044 record does not exist; 7003/7000 no route (unknown zone or record id).
const STALE_CODES = new Set([81044, 7003, 7000]);
/** Cloudflare blocks "all API calls for the next five minutes" after a 429. */
export const CLOUDFLARE_429_WAIT_MS = 5 * 60_000;
const PER_PAGE = 100;
const MAX_PAGES = 50;

export function createCloudflare(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  return new CloudflareProvider(settings, deps);
}

class CloudflareProvider implements DnsProvider {
  private readonly base: string;
  private readonly token: string;
  private readonly zone: string | undefined;
  private readonly proxied: boolean;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly deps: ProviderDeps,
  ) {
    const v = settings.values;
    const endpoint = typeof v["endpoint"] === "string" ? v["endpoint"] : cloudflareSpec().defaultEndpoint;
    this.base = endpoint.replace(/\/+$/, "");
    if (typeof v["token"] !== "string" || v["token"] === "") {
      throw new DdnsError("INTERNAL", `provider ${settings.name}: cloudflare needs a token`);
    }
    this.token = v["token"];
    this.zone = typeof v["zone"] === "string" ? v["zone"].toLowerCase().replace(/\.$/, "") : undefined;
    this.proxied = v["proxied"] === true;
  }

  async push(updates: RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome>> {
    const out = new Map<string, PushOutcome>();
    const zones = new Map<string, string>(); // zone name -> id, for this push only
    let blocked: PushOutcome | undefined;
    for (const u of updates) {
      if (blocked !== undefined && blocked.kind === "transient") {
        out.set(u.key, { ...blocked, reason: `not sent for ${u.name}: ${blocked.reason}`, ...withCache(u.cache) });
        continue;
      }
      if (signal.aborted) {
        out.set(u.key, { kind: "transient", reason: `the update of ${u.name} was cancelled`, ...withCache(u.cache) });
        continue;
      }
      // The engine never sends an empty set; deleting every record on a bug would be worse than waiting.
      if (u.addresses.length === 0) out.set(u.key, { kind: "transient", reason: `no address to publish for ${u.name}`, ...withCache(u.cache) });
      else {
        const o = await this.pushOne(u, signal, zones);
        out.set(u.key, o);
        if (o.kind === "transient" && o.account === true) blocked = o;
      }
    }
    return out;
  }

  async verify(signal: AbortSignal): Promise<{ ok: true } | { ok: false; reason: string }> {
    const r = await this.call<{ status?: string }>("GET", "/user/tokens/verify", undefined, signal, "verify the token", "");
    if (!r.ok) {
      // Account-owned tokens get 401 there (only /accounts/{id}/tokens/verify knows them,
      // and ddns has no account id): a read-only zone listing proves such a token works.
      if (r.failure.kind !== "permanent") return { ok: false, reason: r.failure.reason };
      const z = await this.call<unknown>("GET", "/zones?per_page=1", undefined, signal, "list zones with the token", "");
      return z.ok ? { ok: true } : { ok: false, reason: r.failure.reason };
    }
    if (r.result.status !== "active") {
      return { ok: false, reason: `cloudflare says the token of [providers.${this.settings.name}] is ${String(r.result.status)}, not active` };
    }
    return { ok: true };
  }

  /**
   * The drift check's read (issue 17): the zone (cached, else found) and one list of
   * the name's A or AAAA records. A proxied record is reported as such: DNS answers
   * show Cloudflare's edge, never it. The record id goes back in the cache, so a
   * repair is one PATCH (or one POST when the record is gone).
   */
  async readRecords(records: RecordRead[], signal: AbortSignal): Promise<Map<string, ReadOutcome>> {
    const out = new Map<string, ReadOutcome>();
    const zones = new Map<string, string>();
    let stop: Failure | undefined;
    for (const r of records) {
      if (stop !== undefined) {
        out.set(r.key, { kind: "unknown", reason: `not asked for ${r.name}: ${stop.reason}` });
        continue;
      }
      const o = await this.readOne(r, signal, zones);
      if (o.kind === "found" || o.kind === "unknown") out.set(r.key, o);
      else {
        out.set(r.key, { kind: "unknown", reason: o.reason });
        if (o.badToken || o.retryAfterMs !== undefined) stop = o;
      }
    }
    return out;
  }

  private async readOne(r: RecordRead, signal: AbortSignal, zones: Map<string, string>): Promise<ReadOutcome | Failure> {
    const type = r.family === "ipv4" ? "A" : "AAAA";
    const name = r.name.toLowerCase().replace(/\.$/, "");
    let zoneId = r.cache?.["zone"];
    for (let attempt = 0; attempt < 2; attempt++) {
      if (zoneId === undefined) {
        const z = await this.findZone(name, signal, zones);
        if (!z.ok) return z.failure;
        zoneId = z.result;
      }
      const list = await this.call<CfRecord[]>("GET", `/zones/${enc(zoneId)}/dns_records?type=${type}&name=${enc(name)}`, undefined, signal, `read the ${type} records of ${name}`, name);
      if (!list.ok) {
        // A cached zone id that went stale is looked up again, once.
        if (list.failure.stale && attempt === 0 && r.cache?.["zone"] === zoneId) {
          zoneId = undefined;
          continue;
        }
        return list.failure;
      }
      if (!Array.isArray(list.result)) return malformedFailure(name);
      const mine = list.result.filter((x) => x.type === type && typeof x.name === "string" && x.name.toLowerCase() === name && typeof x.content === "string");
      const cache: ProviderCache = { zone: zoneId };
      if (mine.length === 1 && typeof mine[0]?.id === "string") cache["record"] = mine[0].id;
      const o: ReadOutcome = { kind: "found", addresses: mine.map((x) => x.content), cache };
      if (mine.some((x) => x.proxied === true)) o.proxied = true;
      return o;
    }
    return malformedFailure(name);
  }

  private async pushOne(u: RecordUpdate, signal: AbortSignal, zones: Map<string, string>): Promise<PushOutcome> {
    const type = u.family === "ipv4" ? "A" : "AAAA";
    const name = u.name.toLowerCase().replace(/\.$/, "");
    let zoneId = u.cache?.["zone"];
    const recordId = u.cache?.["record"];
    const only = u.addresses.length === 1 ? u.addresses[0] : undefined;

    if (zoneId !== undefined && recordId !== undefined && only !== undefined) {
      const r = await this.patch(zoneId, recordId, only, u, type, signal);
      if (r.ok) return { kind: "updated", cache: { zone: zoneId, record: r.result.id } };
      const f = r.failure;
      if (f.badToken || (f.kind === "transient" && !f.stale)) return strip(f, { zone: zoneId, record: recordId });
      // The record (or the zone) went away or changed hands: look it up again, once.
      if (!f.recordGone) zoneId = undefined;
    }

    if (zoneId === undefined) {
      const z = await this.findZone(name, signal, zones);
      if (!z.ok) return strip(z.failure);
      zoneId = z.result;
    }
    // A repair right after a read that saw no record (previous []): create, without listing again.
    if (u.previous?.length === 0 && recordId === undefined && u.cache?.["zone"] === zoneId) return this.reconcile(zoneId, [], u, type, name, signal);
    const existing: CfRecord[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const list = await this.call<CfRecord[]>(
        "GET",
        `/zones/${enc(zoneId)}/dns_records?type=${type}&name=${enc(name)}&per_page=${PER_PAGE}&page=${page}`,
        undefined,
        signal,
        `list the ${type} records of ${name}`,
        name,
      );
      if (!list.ok) return strip(list.failure, list.failure.stale ? undefined : { zone: zoneId });
      if (!Array.isArray(list.result)) return malformed(name);
      existing.push(...list.result.filter((r) => r.type === type && typeof r.name === "string" && r.name.toLowerCase() === name));
      const pages = Number(list.info?.["total_pages"] ?? 1);
      if (!Number.isFinite(pages) || page >= pages) break;
    }
    const foreign = foreignRecords(existing.map((r) => r.content), u);
    if (foreign.length > 0) return { kind: "permanent", reason: refuseForeign(u, "cloudflare", existing.map((r) => r.content), foreign).reason };
    return this.reconcile(zoneId, existing, u, type, name, signal);
  }

  /** PATCH, POST and DELETE so that exactly `u.addresses` remain for name/type. */
  private async reconcile(
    zoneId: string,
    existing: CfRecord[],
    u: RecordUpdate,
    type: string,
    name: string,
    signal: AbortSignal,
  ): Promise<PushOutcome> {
    const kept = new Map<string, string>(); // address -> record id
    const spare: CfRecord[] = [];
    for (const r of existing) {
      if (u.addresses.includes(r.content) && !kept.has(r.content)) kept.set(r.content, r.id);
      else spare.push(r);
    }
    const counts = { patched: 0, created: 0, deleted: 0 };
    for (const address of u.addresses) {
      if (kept.has(address)) continue;
      const reuse = spare.shift();
      const r = reuse
        ? await this.patch(zoneId, reuse.id, address, u, type, signal)
        : await this.create(zoneId, address, u, type, name, signal);
      if (!r.ok) return strip(r.failure, { zone: zoneId });
      kept.set(address, r.result.id);
      counts[reuse ? "patched" : "created"]++;
    }
    for (const r of spare) {
      const d = await this.call<unknown>("DELETE", `/zones/${enc(zoneId)}/dns_records/${enc(r.id)}`, undefined, signal,
        `delete the extra ${type} record ${r.content} of ${name}`, name);
      if (!d.ok && !d.failure.stale) return strip(d.failure, { zone: zoneId });
      counts.deleted++;
    }
    const cache: ProviderCache = { zone: zoneId };
    const only = u.addresses.length === 1 ? kept.get(u.addresses[0] ?? "") : undefined;
    if (only !== undefined) cache["record"] = only;
    if (counts.patched + counts.created + counts.deleted === 0) return { kind: "unchanged", cache };
    const outcome: PushOutcome = { kind: "updated", cache };
    if (existing.length > 1 || u.addresses.length > 1) {
      outcome.message =
        `cloudflare had ${existing.length} ${type} record(s) for ${name}; ` +
        `${counts.patched} changed, ${counts.created} created, ${counts.deleted} deleted`;
    }
    return outcome;
  }

  private patch(zoneId: string, id: string, address: string, u: RecordUpdate, type: string, signal: AbortSignal): Promise<Call<CfRecord>> {
    const body: Record<string, unknown> = { content: address };
    if (u.ttl !== undefined) body["ttl"] = u.ttl;
    return this.call<CfRecord>("PATCH", `/zones/${enc(zoneId)}/dns_records/${enc(id)}`, body, signal,
      `update the ${type} record of ${u.name}`, u.name).then((r) => checkRecord(r, u.name));
  }

  private create(zoneId: string, address: string, u: RecordUpdate, type: string, name: string, signal: AbortSignal): Promise<Call<CfRecord>> {
    const body = { type, name, content: address, ttl: u.ttl ?? 1, proxied: this.proxied };
    return this.call<CfRecord>("POST", `/zones/${enc(zoneId)}/dns_records`, body, signal,
      `create the ${type} record of ${u.name}`, u.name).then((r) => checkRecord(r, u.name));
  }

  private async findZone(name: string, signal: AbortSignal, zones: Map<string, string>): Promise<Call<string>> {
    let candidates: string[];
    if (this.zone !== undefined) {
      if (name !== this.zone && !name.endsWith("." + this.zone)) {
        return { ok: false, failure: fail("permanent", `${name} is not inside zone ${this.zone} set in [providers.${this.settings.name}]`) };
      }
      candidates = [this.zone];
    } else {
      const labels = name.split(".");
      candidates = labels.slice(0, -1).map((_, i) => labels.slice(i).join("."));
    }
    for (const c of candidates) {
      const known = zones.get(c);
      if (known !== undefined) return { ok: true, result: known };
      const r = await this.call<CfZone[]>("GET", `/zones?name=${enc(c)}`, undefined, signal, `find the zone of ${name}`, name);
      if (!r.ok) return r;
      if (!Array.isArray(r.result)) return { ok: false, failure: malformedFailure(name) };
      const z = r.result.find((x) => typeof x.name === "string" && x.name.toLowerCase() === c && typeof x.id === "string");
      if (z !== undefined) {
        zones.set(c, z.id);
        return { ok: true, result: z.id };
      }
    }
    const hint = this.zone === undefined ? `set zone in [providers.${this.settings.name}] or check` : "check";
    return {
      ok: false,
      failure: fail("permanent", `cloudflare shows no zone ${candidates.join(" or ")} for ${name} to this token: ${hint} the record name and the token's zone permissions`),
    };
  }

  /** One API exchange, classified. `record` is the name messages speak of. */
  private async call<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body: unknown, signal: AbortSignal, what: string, record: string): Promise<Call<T>> {
    let res;
    try {
      res = await this.deps.http.request({
        method,
        url: this.base + path,
        headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json", accept: "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
    } catch (e) {
      if (!isDdnsError(e)) throw e;
      return { ok: false, failure: fail("transient", `cloudflare could not be reached to ${what}: ${e.message}`) };
    }
    const status = res.status;
    if (status === 429) {
      const f = fail("transient", `cloudflare rate-limited the request to ${what} (HTTP 429): no request goes to this account until the wait Cloudflare asked for is over`);
      f.retryAfterMs = retryAfterMs(res.headers, this.deps.now()) ?? CLOUDFLARE_429_WAIT_MS;
      f.rateLimited = true;
      return { ok: false, failure: f };
    }
    const env = parseEnvelope(res.body);
    if (status >= 500) return { ok: false, failure: fail("transient", `cloudflare failed to ${what} (HTTP ${status}${env ? ": " + this.detail(env.errors) : ""})`) };
    if (env === undefined) return { ok: false, failure: fail("transient", `cloudflare answered the request to ${what} with a malformed body (HTTP ${status})`) };
    if (env.success && status >= 200 && status < 300) return env.info === undefined ? { ok: true, result: env.result as T } : { ok: true, result: env.result as T, info: env.info };

    const codes = new Set(env.errors.map((e) => e.code));
    const detail = `HTTP ${status}${env.errors.length > 0 ? ": " + this.detail(env.errors) : ""}`;
    const badToken = [...codes].some((c) => TOKEN_CODES.has(c));
    if (status === 401 || status === 403 || [...codes].some((c) => AUTH_CODES.has(c))) {
      const f = fail("permanent", `cloudflare refused the token${record ? ` for ${record}` : ""} (${detail}): check the token key of [providers.${this.settings.name}] (it needs Zone.DNS edit permission on the zone)`);
      f.badToken = badToken || status === 401;
      return { ok: false, failure: f };
    }
    const stale = status === 404 || [...codes].some((c) => STALE_CODES.has(c));
    const transient = status === 408 || status === 409 || status === 425 || (status < 300 && !stale);
    const f = fail(transient ? "transient" : "permanent", `cloudflare refused to ${what} (${detail})`);
    f.stale = stale;
    f.recordGone = codes.has(81044);
    return { ok: false, failure: f };
  }

  /** Cloudflare's own error text, short and without the token (should it ever echo it). */
  private detail(errors: CfError[]): string {
    const text = errors.map((e) => `${e.code} ${e.message}`).join("; ");
    return text.split(this.token).join("[token]").slice(0, 300);
  }
}

function parseEnvelope(body: string): { success: boolean; errors: CfError[]; result: unknown; info?: Record<string, unknown> } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null || typeof (v as { success?: unknown }).success !== "boolean") return undefined;
  const o = v as { success: boolean; errors?: unknown; result?: unknown };
  const errors = Array.isArray(o.errors)
    ? o.errors.map((e: { code?: unknown; message?: unknown }) => ({ code: Number(e?.code), message: String(e?.message ?? "") }))
    : [];
  const info = (v as { result_info?: unknown }).result_info;
  const base = { success: o.success, errors, result: o.result };
  return typeof info === "object" && info !== null && !Array.isArray(info) ? { ...base, info: info as Record<string, unknown> } : base;
}

function checkRecord(r: Call<CfRecord>, name: string): Call<CfRecord> {
  if (!r.ok) return r;
  const rec = r.result;
  if (typeof rec !== "object" || rec === null || typeof rec.id !== "string") return { ok: false, failure: malformedFailure(name) };
  return r;
}

function fail(kind: "transient" | "permanent", reason: string): Failure {
  return { kind, reason, stale: false, recordGone: false, badToken: false };
}

function malformedFailure(name: string): Failure {
  return fail("transient", `cloudflare answered about ${name} with a body ddns does not understand`);
}

function malformed(name: string): PushOutcome {
  return strip(malformedFailure(name));
}

/** A Failure as a PushOutcome; transient ones keep what is still worth caching. */
function strip(f: Failure, cache?: ProviderCache): PushOutcome {
  if (f.kind === "permanent") return { kind: "permanent", reason: f.reason };
  const o: PushOutcome = { kind: "transient", reason: f.reason };
  if (f.retryAfterMs !== undefined) o.retryAfterMs = f.retryAfterMs;
  if (cache !== undefined) o.cache = cache;
  if (f.rateLimited === true) o.account = true;
  return o;
}

function withCache(cache: ProviderCache | undefined): { cache?: ProviderCache } {
  return cache === undefined ? {} : { cache };
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
