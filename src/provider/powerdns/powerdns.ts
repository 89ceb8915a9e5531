import type { DnsProvider, ProviderDeps, ProviderSettings, PushOutcome, ReadOutcome, RecordRead, RecordUpdate } from "../types.js";
import type { HttpResponse } from "../../net/types.js";
import { powerdnsSpec } from "./spec.js";
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
  zoneCandidates,
  type Ctx,
  type Failure,
  type Result,
} from "../kit/rest.js";

/**
 * PowerDNS Authoritative HTTP API (notes/providers.md §16; PowerDNS docs
 * `http-api/zone.rst`): `PATCH /servers/{server_id}/zones/{zone_id}` with rrsets of
 * changetype REPLACE creates or replaces an RRset and answers 204, so a change is one
 * request and needs no read. Every due record of one zone goes in that one PATCH
 * (atomic on the server). The zone is the `zone` key, else found once with
 * `GET /servers/{id}/zones?zone=<suffix>.` (longest suffix first) and its id kept in
 * the record's cache. A 204 does not say whether anything changed: the outcome is
 * always "updated". REPLACE needs a ttl ("Key 'ttl' not an Integer or not present",
 * HTTP 422 [OBS 4.7.3]): without a configured ttl, or on a name's first push, the
 * RRset is read first (`GET .../zones/{id}?rrset_name=&rrset_type=` [OBS 4.7.3]) so
 * that its TTL is written back and a round robin that is not ddns's is refused; a
 * new RRset gets 300.
 */
const DEFAULT_TTL = 300;

/** The TTL the RRset had when ddns last read or wrote it (record cache `ttl`). */
const cachedTtl = (u: Pick<RecordUpdate, "cache">): number | undefined => (u.cache?.["ttl"] !== undefined && /^\d+$/.test(u.cache["ttl"]) ? Number(u.cache["ttl"]) : undefined);

const fqdn = (name: string): string => `${name.toLowerCase().replace(/\.$/, "")}.`;

function errorText(res: HttpResponse): string {
  const j = parseJson(res.body);
  if (isObject(j) && typeof j.error === "string") return excerpt(j.error);
  return excerpt(res.body);
}

export function createPowerdns(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, powerdnsSpec().defaultEndpoint);
  const serverPath = `${base}/servers/${encodeURIComponent(str(settings, "server_id") || "localhost")}`;
  const configured = str(settings, "zone").toLowerCase().replace(/\.$/, "");
  const ctx = ctxFor(settings, "api_key", deps.now);
  const headers = { "x-api-key": str(settings, "api_key"), accept: "application/json" };

  /** The zone's id if the server has exactly that zone, null if not. */
  async function probe(zone: string, c: Ctx, signal: AbortSignal): Promise<Result<string | null>> {
    const r = await send(deps.http, { method: "GET", url: `${serverPath}/zones?zone=${encodeURIComponent(fqdn(zone))}`, headers }, signal, c);
    if (!r.ok) return r;
    const f = classifyStatus(r.value, c, errorText(r.value));
    if (f) return fail(f);
    const list = parseJson(r.value.body);
    if (!Array.isArray(list)) return fail(malformed(c, "the zone list is not a JSON array"));
    for (const z of list) {
      if (!isObject(z) || typeof z.name !== "string" || typeof z.id !== "string") return fail(malformed(c, "a zone without name or id"));
      if (z.name.toLowerCase() === fqdn(zone)) return ok(z.id);
    }
    return ok(null);
  }

  /** Zone id for an update: configured, cached, or discovered (memoized per push). */
  async function zoneOf(u: Pick<RecordUpdate, "name" | "cache">, memo: Map<string, Result<string | null>>, signal: AbortSignal): Promise<Result<string>> {
    const c = ctx(u.name);
    if (configured !== "") {
      if (relativeName(u.name, configured) === null) {
        return fail({ kind: "permanent", reason: `${u.name} is not inside zone ${configured}: check zone in [providers.${settings.name}]` });
      }
      return ok(fqdn(configured));
    }
    const cached = u.cache?.zone;
    if (cached !== undefined && cached !== "") return ok(cached);
    for (const zone of zoneCandidates(u.name)) {
      let r = memo.get(zone);
      if (r === undefined) {
        r = await probe(zone, c, signal);
        memo.set(zone, r);
      }
      if (!r.ok) return r;
      if (r.value !== null) return ok(r.value);
    }
    return fail({
      kind: "permanent",
      reason: `powerdns has no zone holding ${u.name}: create the zone on the server, or set zone in [providers.${settings.name}]`,
    });
  }

  /** The RRset's values and TTL as the server holds them (null: none), by the rrset_name/rrset_type filter. */
  async function readRrset(zoneId: string, u: RecordUpdate, signal: AbortSignal): Promise<Result<{ values: string[]; ttl: number } | null> | { ok: false; gone: true }> {
    const c = ctx(u.name);
    const url = `${serverPath}/zones/${encodeURIComponent(zoneId)}?rrset_name=${encodeURIComponent(fqdn(u.name))}&rrset_type=${rrType(u)}`;
    const r = await send(deps.http, { method: "GET", url, headers }, signal, c);
    if (!r.ok) return r;
    if (r.value.status === 404) return { ok: false, gone: true };
    const f = classifyStatus(r.value, c, errorText(r.value));
    if (f) return fail(f);
    const j = parseJson(r.value.body);
    const rrsets = isObject(j) ? j["rrsets"] : undefined;
    if (!Array.isArray(rrsets)) return fail(malformed(c, "a zone without rrsets"));
    const set = rrsets.find((x) => isObject(x) && typeof x["name"] === "string" && x["name"].toLowerCase() === fqdn(u.name) && x["type"] === rrType(u));
    if (set === undefined) return ok(null);
    const records = isObject(set) && Array.isArray(set["records"]) ? set["records"] : [];
    const values = records.filter((x) => isObject(x) && typeof x["content"] === "string").map((x) => (x as { content: string }).content);
    const ttl = isObject(set) && typeof set["ttl"] === "number" ? set["ttl"] : DEFAULT_TTL;
    return ok({ values, ttl });
  }

  async function patch(zoneId: string, group: readonly RecordUpdate[], signal: AbortSignal, ttls: ReadonlyMap<string, number> = new Map()): Promise<Result<void> | { ok: false; gone: true }> {
    const names = group.map((u) => `${u.name} (${rrType(u)})`).join(", ");
    const c = ctx(names);
    const body = JSON.stringify({
      rrsets: group.map((u) => ({
        name: fqdn(u.name),
        type: rrType(u),
        ttl: ttlOf(u, ttls),
        changetype: "REPLACE",
        records: u.addresses.map((content) => ({ content, disabled: false })),
      })),
    });
    const r = await send(
      deps.http,
      { method: "PATCH", url: `${serverPath}/zones/${encodeURIComponent(zoneId)}`, headers: { ...headers, "content-type": "application/json" }, body },
      signal,
      c,
    );
    if (!r.ok) return r;
    if (r.value.status === 404) return { ok: false, gone: true };
    const f = classifyStatus(r.value, c, errorText(r.value));
    return f ? fail(f) : ok(undefined);
  }

  async function push(updates: RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome>> {
    // Phase 1: the zone of every update (a table-wide failure stops further lookups).
    const memo = new Map<string, Result<string | null>>();
    const groups = new Map<string, RecordUpdate[]>();
    const failed = new Map<string, Failure>();
    let stop: Failure | null = null;
    for (const u of updates) {
      const z: Result<string> = stop ? fail<string>(stop) : await zoneOf(u, memo, signal);
      if (!z.ok) {
        failed.set(u.key, z.failure);
        if (z.failure.tableWide === true) stop = z.failure;
        continue;
      }
      groups.set(z.value, [...(groups.get(z.value) ?? []), u]);
    }
    // Phase 1b: the TTL to keep (no ttl configured, none cached) and, on a name's first push, whether a round robin that is not ddns's is there.
    // previous [] (a repair of an RRset a read just saw deleted): nothing to keep, nothing to read.
    const ttls = new Map<string, number>();
    for (const [zone, g] of [...groups]) {
      const keep: RecordUpdate[] = [];
      for (const u of g) {
        if (stop || (u.previous !== null && (u.ttl !== undefined || cachedTtl(u) !== undefined || u.previous.length === 0))) {
          keep.push(u);
          continue;
        }
        const cur = await readRrset(zone, u, signal);
        if (!cur.ok) {
          // A stale cached zone id: the PATCH below finds it and looks the zone up again.
          if ("gone" in cur) keep.push(u);
          else {
            failed.set(u.key, cur.failure);
            if (cur.failure.tableWide === true) stop = cur.failure;
          }
          continue;
        }
        const foreign = cur.value === null ? [] : foreignRecords(cur.value.values, u);
        if (foreign.length > 0) failed.set(u.key, refuseForeign(u, "powerdns", cur.value?.values ?? [], foreign));
        else {
          if (cur.value !== null) ttls.set(u.key, cur.value.ttl);
          keep.push(u);
        }
      }
      if (keep.length === 0) groups.delete(zone);
      else groups.set(zone, keep);
    }
    const zoneOfGroup = new Map<readonly RecordUpdate[], string>([...groups].map(([zone, g]) => [g, zone]));
    const all: RecordUpdate[][] = [...updates.filter((u) => failed.has(u.key)).map((u) => [u]), ...groups.values()];
    // Phase 2: one PATCH per zone.
    const out = await pushGroups(all, settings, async (group) => {
      const first = group[0]!;
      const f = failed.get(first.key);
      if (f) return f;
      let zoneId = zoneOfGroup.get(group)!;
      let r = await patch(zoneId, group, signal, ttls);
      const fromCache = configured === "" && first.cache?.zone === zoneId;
      if (!r.ok && "gone" in r && fromCache) {
        // The cached zone id went stale (zone renamed or recreated): look it up once more.
        const again = await zoneOf({ ...first, cache: {} }, new Map(), signal);
        if (!again.ok) return again.failure;
        zoneId = again.value;
        r = await patch(zoneId, group, signal, ttls);
      }
      if (!r.ok) {
        if ("gone" in r) {
          return {
            kind: "permanent",
            reason: `powerdns has no zone ${zoneId} for ${group.map((u) => u.name).join(", ")} (HTTP 404): check zone in [providers.${settings.name}] and the server's zones`,
          };
        }
        return r.failure;
      }
      return configured === "" ? { kind: "updated", cache: { zone: zoneId } } : { kind: "updated" };
    });
    // Each record remembers the TTL its RRset now has, so the next change needs no read.
    for (const u of updates) {
      const o = out.get(u.key);
      if (o?.kind === "updated") out.set(u.key, { ...o, cache: { ...(o.cache ?? {}), ttl: String(ttlOf(u, ttls)) } });
    }
    return out;
  }

  /** The TTL a write carries: configured, else the RRset's (read now or cached), else the default for a new RRset. */
  function ttlOf(u: RecordUpdate, ttls: ReadonlyMap<string, number>): number {
    return u.ttl ?? ttls.get(u.key) ?? cachedTtl(u) ?? DEFAULT_TTL;
  }

  /**
   * The drift check's read (issue 17): one `GET /servers/{id}/zones/{zone}` per zone
   * (with rrset_name and rrset_type, which 4.8+ uses to answer only that RRset; older
   * servers send the whole zone, filtered here). Disabled records are not served.
   */
  async function read(records: RecordRead[], signal: AbortSignal): Promise<Map<string, ReadOutcome>> {
    const out = new Map<string, ReadOutcome>();
    const memo = new Map<string, Result<string | null>>();
    const zones = new Map<string, unknown>();
    let stop: Failure | null = null;
    for (const r of records) {
      const c = ctx(r.name, signal);
      if (stop !== null) {
        out.set(r.key, { kind: "unknown", reason: `not asked for ${r.name}: ${stop.reason}` });
        continue;
      }
      const z = await zoneOf(r, memo, signal);
      if (!z.ok) {
        out.set(r.key, { kind: "unknown", reason: z.failure.reason });
        if (z.failure.tableWide === true) stop = z.failure;
        continue;
      }
      const type = rrType(r);
      let json = zones.get(z.value);
      if (json === undefined) {
        const q = `rrset_name=${encodeURIComponent(fqdn(r.name))}&rrset_type=${type}`;
        const res = await send(deps.http, { method: "GET", url: `${serverPath}/zones/${encodeURIComponent(z.value)}?${records.length === 1 ? q : "rrsets=true"}`, headers }, signal, c);
        if (!res.ok) {
          out.set(r.key, { kind: "unknown", reason: res.failure.reason });
          continue;
        }
        const f = classifyStatus(res.value, c, errorText(res.value));
        if (f) {
          out.set(r.key, { kind: "unknown", reason: f.reason });
          if (f.tableWide === true) stop = f;
          continue;
        }
        json = parseJson(res.value.body);
        if (records.length > 1) zones.set(z.value, json);
      }
      const rrsets = isObject(json) ? json.rrsets : undefined;
      if (!Array.isArray(rrsets)) {
        out.set(r.key, { kind: "unknown", reason: malformed(c, "the zone has no rrsets list").reason });
        continue;
      }
      const addresses: string[] = [];
      let ttl: number | undefined;
      for (const set of rrsets) {
        if (!isObject(set) || typeof set.name !== "string" || set.name.toLowerCase() !== fqdn(r.name) || set.type !== type || !Array.isArray(set.records)) continue;
        if (typeof set.ttl === "number") ttl = set.ttl;
        for (const rec of set.records) if (isObject(rec) && typeof rec.content === "string" && rec.disabled !== true) addresses.push(rec.content);
      }
      // The TTL goes in the cache: a repair that follows keeps it without another read.
      const cache = { ...(configured === "" ? { zone: z.value } : {}), ...(ttl !== undefined ? { ttl: String(ttl) } : {}) };
      out.set(r.key, Object.keys(cache).length > 0 ? { kind: "found", addresses, cache } : { kind: "found", addresses });
    }
    return out;
  }

  return {
    push,
    readRecords: read,
    async verify(signal) {
      const c = ctx(`server ${serverPath}`);
      const r = await send(deps.http, { method: "GET", url: serverPath, headers }, signal, c);
      if (!r.ok) return { ok: false, reason: r.failure.reason };
      const f = classifyStatus(r.value, c, errorText(r.value));
      return f ? { ok: false, reason: f.reason } : { ok: true };
    },
  };
}
