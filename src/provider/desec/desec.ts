import type { DnsProvider, ProviderCache, ProviderDeps, ProviderSettings, PushOutcome, ReadOutcome, RecordRead, RecordUpdate } from "../types.js";
import type { HttpResponse } from "../../net/types.js";
import { desecSpec } from "./spec.js";
import { foreignRecords, refuseForeign } from "../kit/record-sets.js";
import {
  baseUrl,
  classifyStatus,
  ctxFor,
  excerpt,
  fail,
  isObject,
  malformed,
  ok,
  parseJson,
  pushGroups,
  relativeName,
  rrType,
  send,
  str,
  type Failure,
  type Result,
} from "../kit/rest.js";

/**
 * deSEC REST API (desec-stack docs/dns/domains.rst, docs/dns/rrsets.rst): the
 * responsible domain of a name comes from `GET /domains/?owns_qname=<name>` once and
 * is kept in the record's cache with the domain's minimum_ttl; every due record of
 * one domain then goes in one bulk `PATCH /domains/{domain}/rrsets/`, which creates
 * or replaces RRsets atomically. An existing RRset keeps its TTL unless the record sets
 * one (ttl is left out of the item); a new RRset needs one: the record's ttl, else the
 * domain's minimum_ttl. A name's first push reads its RRset (a round robin that is
 * not ddns's is refused). A 400 on a bulk request lists one error object
 * per item (`{}` for good ones); the good items are sent again once without the bad
 * ones. Writes are rate-limited per account (429 with Retry-After).
 */
interface Domain {
  name: string;
  minimumTtl: number;
}

const FALLBACK_TTL = 3600;

function detail(res: HttpResponse): string {
  const j = parseJson(res.body);
  if (isObject(j) && typeof j.detail === "string") return excerpt(j.detail);
  return excerpt(res.body);
}

/** Flattens a DRF error object ({"ttl": ["Ensure ..."]}) into one sentence. */
function itemErrors(e: unknown): string {
  if (!isObject(e)) return excerpt(JSON.stringify(e));
  return excerpt(
    Object.entries(e)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" ") : JSON.stringify(v)}`)
      .join("; "),
  );
}

export function createDesec(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, desecSpec().defaultEndpoint);
  const ctx = ctxFor(settings, "token", deps.now);
  const headers = { authorization: `Token ${str(settings, "token")}`, accept: "application/json" };

  function fromCache(cache: ProviderCache | undefined): Domain | null {
    const name = cache?.domain;
    const min = Number(cache?.minimum_ttl);
    return name !== undefined && name !== "" && Number.isInteger(min) && min > 0 ? { name, minimumTtl: min } : null;
  }

  async function discover(name: string, signal: AbortSignal): Promise<Result<Domain>> {
    const c = ctx(name);
    const qname = name.toLowerCase().replace(/\.$/, "");
    const r = await send(deps.http, { method: "GET", url: `${base}/domains/?owns_qname=${encodeURIComponent(qname)}`, headers }, signal, c);
    if (!r.ok) return r;
    const f = classifyStatus(r.value, c, detail(r.value));
    if (f) return fail(f);
    const list = parseJson(r.value.body);
    if (!Array.isArray(list)) return fail(malformed(c, "the domain list is not a JSON array"));
    if (list.length === 0) {
      return fail({ kind: "permanent", reason: `desec has no domain in this account that holds ${name}: add the domain at desec.io or fix the record name` });
    }
    const d: unknown = list[0];
    if (!isObject(d) || typeof d.name !== "string" || typeof d.minimum_ttl !== "number" || relativeName(qname, d.name) === null) {
      return fail(malformed(c, "a domain without name or minimum_ttl, or not holding the name"));
    }
    return ok({ name: d.name.toLowerCase(), minimumTtl: d.minimum_ttl });
  }

  /** The RRset as deSEC holds it (GET .../rrsets/{subname}/{type}/), or null (404). */
  async function readRrset(domain: Domain, u: RecordUpdate, signal: AbortSignal): Promise<Result<string[] | null>> {
    const c = ctx(u.name);
    const sub = relativeName(u.name, domain.name) ?? "";
    const url = `${base}/domains/${encodeURIComponent(domain.name)}/rrsets/${sub === "" ? "@" : encodeURIComponent(sub)}/${rrType(u)}/`;
    const r = await send(deps.http, { method: "GET", url, headers }, signal, c);
    if (!r.ok) return r;
    if (r.value.status === 404) return ok(null);
    const f = classifyStatus(r.value, c, detail(r.value));
    if (f) return fail(f);
    const j = parseJson(r.value.body);
    const records = isObject(j) ? j["records"] : undefined;
    return Array.isArray(records) && records.every((x) => typeof x === "string") ? ok(records as string[]) : fail(malformed(c, "an RRset without records"));
  }

  /**
   * Bulk PATCH. An item carries ttl only when the config sets one or the RRset is new
   * (`fresh`: deSEC requires ttl to create one); an existing RRset keeps its TTL.
   */
  async function patch(domain: Domain, group: readonly RecordUpdate[], signal: AbortSignal, fresh: ReadonlySet<string> = new Set()): Promise<Map<string, PushOutcome | Failure> | { gone: true }> {
    const out = new Map<string, PushOutcome | Failure>();
    const names = group.map((u) => `${u.name} (${rrType(u)})`).join(", ");
    const c = ctx(names);
    const body = group.map((u) => ({
      subname: relativeName(u.name, domain.name) ?? "",
      type: rrType(u),
      ...(u.ttl !== undefined ? { ttl: u.ttl } : fresh.has(u.key) ? { ttl: domain.minimumTtl } : {}),
      records: u.addresses,
    }));
    const r = await send(
      deps.http,
      { method: "PATCH", url: `${base}/domains/${encodeURIComponent(domain.name)}/rrsets/`, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) },
      signal,
      c,
    );
    const all = (o: PushOutcome | Failure) => {
      for (const u of group) out.set(u.key, o);
      return out;
    };
    if (!r.ok) return all(r.failure);
    const res = r.value;
    if (res.status === 404) return { gone: true };
    if (res.status === 400) {
      const items = parseJson(res.body);
      if (Array.isArray(items) && items.length === group.length) {
        const good: RecordUpdate[] = [];
        const again = new Set(fresh);
        group.forEach((u, i) => {
          const e: unknown = items[i];
          if (isObject(e) && Object.keys(e).length === 0) good.push(u);
          else if (isObject(e) && Object.keys(e).join() === "ttl" && u.ttl === undefined && !fresh.has(u.key)) {
            // The RRset is gone (deleted at deSEC meanwhile): deSEC needs a ttl to create it again.
            good.push(u);
            again.add(u.key);
          } else out.set(u.key, { kind: "permanent", reason: `desec refused ${u.name} (${rrType(u)}) (HTTP 400: ${itemErrors(e)}): fix the record's ttl or addresses in the config` });
        });
        if (good.length > 0 && (good.length < group.length || again.size > fresh.size)) {
          // The bulk request is atomic: the good items were not applied either.
          const retried = await patch(domain, good, signal, again);
          if ("gone" in retried) return { gone: true };
          for (const [k, v] of retried) out.set(k, v);
        }
        return out;
      }
      return all({ kind: "permanent", reason: `desec refused the update of ${names} (HTTP 400: ${itemErrors(items ?? res.body)})` });
    }
    const f = classifyStatus(res, c, detail(res));
    if (f) return all(f);
    const list = parseJson(res.body);
    if (!Array.isArray(list) || list.length !== group.length || !list.every((x) => isObject(x) && Array.isArray(x.records))) {
      return all(malformed(c, "the answer is not the list of RRsets written"));
    }
    return all({ kind: "updated", cache: { domain: domain.name, minimum_ttl: String(domain.minimumTtl) } });
  }

  async function push(updates: RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome>> {
    // Phase 1: the domain of each name (cached, else one lookup per name).
    const memo = new Map<string, Result<Domain>>();
    const byDomain = new Map<string, { domain: Domain; updates: RecordUpdate[]; cached: boolean }>();
    const failed = new Map<string, Failure>();
    let stop: Failure | null = null;
    for (const u of updates) {
      const cached = fromCache(u.cache);
      let d: Result<Domain>;
      const halted = stop as Failure | null;
      if (halted) d = fail({ ...halted, reason: `not sent for ${u.name}: ${halted.reason}` });
      else if (cached && relativeName(u.name, cached.name) !== null) d = ok(cached);
      else {
        const key = u.name.toLowerCase().replace(/\.$/, "");
        d = memo.get(key) ?? (await discover(u.name, signal));
        memo.set(key, d);
      }
      if (!d.ok) {
        failed.set(u.key, d.failure);
        if (d.failure.tableWide === true) stop = d.failure;
        continue;
      }
      const g = byDomain.get(d.value.name) ?? { domain: d.value, updates: [], cached: cached !== null };
      g.updates.push(u);
      byDomain.set(d.value.name, g);
    }
    // Phase 2: one bulk PATCH per domain; the outcome map per update key.
    const results = new Map<string, PushOutcome | Failure>();
    for (const g of byDomain.values()) {
      if (stop) break;
      // First contact with a name: read its RRset, so that a round robin that is not
      // ddns's is refused and an existing RRset keeps its TTL.
      const fresh = new Set<string>();
      const go: RecordUpdate[] = [];
      for (const u of g.updates) {
        // previous []: a read just saw the RRset deleted, so the write creates it (ttl required).
        if (u.previous?.length === 0) fresh.add(u.key);
        if (u.previous !== null) {
          go.push(u);
          continue;
        }
        const cur = await readRrset(g.domain, u, signal);
        if (!cur.ok) {
          results.set(u.key, cur.failure);
          if (cur.failure.tableWide === true) stop = cur.failure;
          continue;
        }
        const foreign = cur.value === null ? [] : foreignRecords(cur.value, u);
        if (foreign.length > 0) results.set(u.key, refuseForeign(u, "desec", cur.value ?? [], foreign));
        else {
          if (cur.value === null) fresh.add(u.key);
          go.push(u);
        }
      }
      if (stop || go.length === 0) continue;
      g.updates = go;
      let r = await patch(g.domain, g.updates, signal, fresh);
      if ("gone" in r && g.cached) {
        // The cached domain went away (deleted or moved): look it up once more.
        const again = await discover(g.updates[0]!.name, signal);
        r = again.ok ? await patch(again.value, g.updates, signal, fresh) : new Map(g.updates.map((u) => [u.key, again.failure]));
      }
      if ("gone" in r) {
        r = new Map(g.updates.map((u) => [u.key, { kind: "permanent", reason: `desec does not know domain ${g.domain.name} for ${u.name} (HTTP 404): check the token's account holds it` } as Failure]));
      }
      for (const [k, v] of r) {
        results.set(k, v);
        if ((v.kind === "transient" || v.kind === "permanent") && "tableWide" in v && v.tableWide === true) stop = v;
      }
    }
    // Every update has its own outcome by now; pushGroups only scrubs secrets (no table-wide flag left to act on).
    const strip = (o: PushOutcome | Failure): PushOutcome | Failure => {
      if (o.kind !== "transient" && o.kind !== "permanent") return o;
      const { tableWide: _wide, ...rest } = o as Failure;
      return rest;
    };
    return pushGroups(
      updates.map((u) => [u]),
      settings,
      async ([u]) => {
        const o = failed.get(u!.key) ?? results.get(u!.key);
        if (o) return strip(o);
        return strip(stop ? { ...stop, reason: `not sent for ${u!.name}: ${stop.reason}` } : malformed(ctx(u!.name), "no outcome"));
      },
    );
  }

  /**
   * The drift check's read (issue 17): the domain (cached, else one owns_qname lookup)
   * and one `GET /domains/{name}/rrsets/{subname}/{type}/` per record (404: none).
   */
  async function readRecords(records: RecordRead[], signal: AbortSignal): Promise<Map<string, ReadOutcome>> {
    const out = new Map<string, ReadOutcome>();
    let stop: Failure | null = null;
    for (const r of records) {
      if (stop !== null) {
        out.set(r.key, { kind: "unknown", reason: `not asked for ${r.name}: ${stop.reason}` });
        continue;
      }
      const c = ctx(r.name);
      const cached = fromCache(r.cache);
      const d = cached && relativeName(r.name, cached.name) !== null ? ok(cached) : await discover(r.name, signal);
      if (!d.ok) {
        out.set(r.key, { kind: "unknown", reason: d.failure.reason });
        if (d.failure.tableWide === true) stop = d.failure;
        continue;
      }
      const sub = relativeName(r.name, d.value.name) ?? "";
      const url = `${base}/domains/${encodeURIComponent(d.value.name)}/rrsets/${sub === "" ? "@" : encodeURIComponent(sub)}/${rrType(r)}/`;
      const res = await send(deps.http, { method: "GET", url, headers }, signal, c);
      if (!res.ok) {
        out.set(r.key, { kind: "unknown", reason: res.failure.reason });
        continue;
      }
      const cache = { domain: d.value.name, minimum_ttl: String(d.value.minimumTtl) };
      if (res.value.status === 404) {
        out.set(r.key, { kind: "found", addresses: [], cache });
        continue;
      }
      const f = classifyStatus(res.value, c, detail(res.value));
      if (f) {
        out.set(r.key, { kind: "unknown", reason: f.reason });
        if (f.tableWide === true) stop = f;
        continue;
      }
      const set = parseJson(res.value.body);
      const list = isObject(set) ? set.records : undefined;
      if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) {
        out.set(r.key, { kind: "unknown", reason: malformed(c, "the RRset has no records list").reason });
        continue;
      }
      out.set(r.key, { kind: "found", addresses: list as string[], cache });
    }
    return out;
  }

  return {
    push,
    readRecords,
    async verify(signal, ttls = []) {
      const c = ctx("the account");
      const r = await send(deps.http, { method: "GET", url: `${base}/domains/`, headers }, signal, c);
      if (!r.ok) return { ok: false, reason: r.failure.reason };
      const f = classifyStatus(r.value, c, detail(r.value));
      if (f) return { ok: false, reason: f.reason };
      // The TTL bound is per domain (docs/dns/domains.rst minimum_ttl, read-only: "Smallest TTL
      // that can be used in an RRset"), so a configured ttl is checked against the domain the
      // listing says holds the name (the longest suffix), without writing anything.
      const j = parseJson(r.value.body);
      const domains = Array.isArray(j) ? j.filter((d): d is { name: string; minimum_ttl: number } => isObject(d) && typeof d["name"] === "string" && typeof d["minimum_ttl"] === "number") : [];
      const ttl = [];
      for (const t of ttls) {
        const owner = domains.filter((d) => relativeName(t.name, d.name.toLowerCase()) !== null).sort((a, b) => b.name.length - a.name.length)[0];
        if (owner !== undefined && t.ttl < owner.minimum_ttl) {
          ttl.push({ line: t.line, reason: `desec's minimum TTL for ${owner.name} is ${owner.minimum_ttl} (the domain's minimum_ttl), not ${t.ttl}: set ttl = ${owner.minimum_ttl} or more, or leave it out` });
        }
      }
      return ttl.length > 0 ? { ok: true, ttl } : { ok: true };
    },
  };
}
