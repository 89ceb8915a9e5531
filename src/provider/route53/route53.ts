import type { DnsProvider, ProviderDeps, ProviderSettings, PushOutcome, ReadOutcome, RecordRead, RecordUpdate } from "../types.js";
import type { HttpResponse } from "../../net/types.js";
import { route53Spec } from "./spec.js";
import {
  baseUrl,
  classifyStatus,
  ctxFor,
  excerpt,
  fail,
  malformed,
  ok,
  pushGroups,
  rrType,
  send,
  str,
  zoneCandidates,
  type Ctx,
  type Failure,
  type Result,
} from "../kit/rest.js";
import { signV4, type SigV4Credentials } from "./sigv4.js";
import { foreignRecords, refuseForeign } from "../kit/record-sets.js";

/**
 * Amazon Route 53: `POST /2013-04-01/hostedzone/{Id}/rrset/` (ChangeResourceRecordSets)
 * with an UPSERT per record, which creates or replaces the RRset: no read, no record
 * id, one request for every due record of the table (a batch is atomic; at most 100
 * changes, so more are sent in chunks). Signed with SigV4 (sigv4.ts), service
 * `route53`, region us-east-1 (the service is global). Errors are XML: the usual
 * `<ErrorResponse><Error><Code>` and, for InvalidChangeBatch, its own root with
 * `<Messages><Message>` (AWS SDK for Go v2 route53 customizations). When a batch of
 * several records is refused as invalid, each record is sent alone once so that only
 * the bad one is latched. The answer's ChangeInfo is PENDING until every Route 53
 * server has it; a one-shot run does not wait for INSYNC.
 * Without `hosted_zone_id`, the zone is found once per record with
 * `GET /2013-04-01/hostedzonesbyname?dnsname=<suffix>&maxitems=10` (longest suffix
 * first; the list starts at that name, so the Name is compared; private zones are
 * skipped) and its id kept in the record's cache.
 */
const API = "/2013-04-01";
const XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/";
const MAX_CHANGES = 100;
const DEFAULT_TTL = 300;

const AUTH_CODES = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken",
  "UnrecognizedClientException",
  "ExpiredToken",
  "AccessDenied",
  "AccessDeniedException",
]);
const RETRY_CODES = new Set(["Throttling", "ThrottlingException", "PriorRequestNotComplete", "ServiceUnavailable", "InternalFailure", "RequestExpired"]);

const xmlEscape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const tags = (xml: string, name: string): string[] => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, "g"))].map((m) => m[1]!);

/** The TTL the set had when ddns last read or wrote it (record cache `ttl`). */
function cachedTtl(u: Pick<RecordUpdate, "cache">): number | undefined {
  const t = u.cache?.["ttl"];
  return t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined;
}

export function changeBatchXml(updates: readonly RecordUpdate[], ttls: ReadonlyMap<string, number> = new Map()): string {
  const changes = updates
    .map((u) => {
      const values = u.addresses.map((a) => `<ResourceRecord><Value>${xmlEscape(a)}</Value></ResourceRecord>`).join("");
      const name = `${u.name.toLowerCase().replace(/\.$/, "")}.`;
      return (
        `<Change><Action>UPSERT</Action><ResourceRecordSet><Name>${xmlEscape(name)}</Name><Type>${rrType(u)}</Type>` +
        `<TTL>${u.ttl ?? ttls.get(u.key) ?? DEFAULT_TTL}</TTL><ResourceRecords>${values}</ResourceRecords></ResourceRecordSet></Change>`
      );
    })
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ChangeResourceRecordSetsRequest xmlns="${XMLNS}"><ChangeBatch><Changes>${changes}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`;
}

export function createRoute53(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, route53Spec().defaultEndpoint);
  const configuredZone = str(settings, "hosted_zone_id").replace(/^\/?hostedzone\//, "");
  const region = str(settings, "region") || "us-east-1";
  const creds: SigV4Credentials = { accessKeyId: str(settings, "access_key_id"), secretAccessKey: str(settings, "secret_access_key") };
  const token = str(settings, "session_token");
  if (token !== "") creds.sessionToken = token;
  const ctx = ctxFor(settings, "access_key_id and secret_access_key", deps.now);
  const table = `[providers.${settings.name}]`;

  function signed(method: "GET" | "POST", path: string, body: string): { method: "GET" | "POST"; url: string; headers: Record<string, string>; body?: string } {
    const url = `${base}${path}`;
    const extra: Record<string, string> = method === "POST" ? { "content-type": "application/xml" } : {};
    const s = signV4({ method, url, headers: extra, body }, creds, region, "route53", deps.now());
    return { method, url, headers: { ...extra, ...s.headers }, ...(method === "POST" ? { body } : {}) };
  }

  /** An AWS error answer as an outcome; null for a 2xx. */
  function classify(res: HttpResponse, c: Ctx, zoneId: string): Failure | null {
    if (res.status >= 200 && res.status < 300) return null;
    const root = /<(\w+)[\s>]/.exec(res.body.replace(/^<\?xml[^>]*>\s*/, ""))?.[1];
    const code = root === "InvalidChangeBatch" ? "InvalidChangeBatch" : tag(res.body, "Code");
    const message = excerpt(root === "InvalidChangeBatch" ? tags(res.body, "Message").join("; ") : (tag(res.body, "Message") ?? ""));
    const said = `HTTP ${res.status} ${code ?? ""}${message === "" ? "" : `: ${message}`}`.replace(/ $/, "");
    if (code === undefined) {
      if (res.status >= 500 || res.status === 429 || res.status === 401 || res.status === 403) return classifyStatus(res, c, excerpt(res.body, 80));
      return malformed(c, `HTTP ${res.status} without an AWS error code`);
    }
    if (code === "AccessDenied" || code === "AccessDeniedException") {
      return { kind: "permanent", tableWide: true, reason: `route53 denied access for ${c.record} (${said}): the policy of access key ${creds.accessKeyId} must allow route53:ChangeResourceRecordSets on hostedzone/${zoneId}${configuredZone === "" ? " and route53:ListHostedZonesByName" : ""}` };
    }
    if (AUTH_CODES.has(code)) {
      return { kind: "permanent", tableWide: true, reason: `route53 refused the credentials for ${c.record} (${said}): check access_key_id and secret_access_key in ${table}` };
    }
    if (code === "RequestExpired") {
      return { kind: "transient", tableWide: true, reason: `route53 refused the request for ${c.record} as expired (${said}): check this machine's clock; will try again` };
    }
    if (RETRY_CODES.has(code) || res.status >= 500) {
      return { kind: "transient", tableWide: true, reason: `route53 could not take the change of ${c.record} now (${said}); will try again` };
    }
    if (code === "NoSuchHostedZone") {
      // Table-wide only when the zone comes from the config; a discovered one is looked up again.
      return { kind: "permanent", tableWide: configuredZone !== "", reason: `route53 has no hosted zone ${zoneId} for ${c.record} (${said}): check hosted_zone_id in ${table}`, gone: true } as Failure;
    }
    return { kind: "permanent", reason: `route53 refused the change of ${c.record} (${said}): check the record name is inside hosted zone ${zoneId}` };
  }

  /** The id of the public hosted zone named exactly `zone`, or null. */
  async function probe(zone: string, c: Ctx, signal: AbortSignal): Promise<Result<string | null>> {
    const q = `dnsname=${encodeURIComponent(zone)}&maxitems=10`;
    const r = await send(deps.http, signed("GET", `${API}/hostedzonesbyname?${q}`, ""), signal, c);
    if (!r.ok) return r;
    const f = classify(r.value, c, zone);
    if (f) return fail(f);
    if (!r.value.body.includes("<ListHostedZonesByNameResponse")) return fail(malformed(c, "not a ListHostedZonesByNameResponse"));
    for (const m of r.value.body.matchAll(/<HostedZone>(.*?)<\/HostedZone>/gs)) {
      const z = m[1]!;
      const id = tag(z, "Id")?.replace(/^\/hostedzone\//, "");
      if (id && tag(z, "Name")?.toLowerCase() === `${zone}.` && tag(z, "PrivateZone") !== "true") return ok(id);
    }
    return ok(null);
  }

  async function zoneOf(u: Pick<RecordUpdate, "name" | "cache">, memo: Map<string, Result<string | null>>, signal: AbortSignal): Promise<Result<string>> {
    if (configuredZone !== "") return ok(configuredZone);
    const cached = u.cache?.zone_id;
    if (cached !== undefined && cached !== "") return ok(cached);
    for (const zone of zoneCandidates(u.name)) {
      let r = memo.get(zone);
      if (r === undefined) {
        r = await probe(zone, ctx(u.name), signal);
        memo.set(zone, r);
      }
      if (!r.ok) return r;
      if (r.value !== null) return ok(r.value);
    }
    return fail({ kind: "permanent", reason: `route53 has no public hosted zone holding ${u.name} in this account: check the name, or set hosted_zone_id in ${table}` });
  }

  /**
   * The RRset as Route 53 holds it: ListResourceRecordSets starting at name and type
   * (docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html:
   * "GET /2013-04-01/hostedzone/Id/rrset?name=StartRecordName&type=StartRecordType&maxitems=MaxItems";
   * the list starts there, so the first set is compared). Null: none.
   */
  async function readRrset(zoneId: string, u: RecordUpdate, signal: AbortSignal): Promise<Result<{ values: string[]; ttl: number } | null>> {
    const c = ctx(u.name);
    const name = `${u.name.toLowerCase().replace(/\.$/, "")}.`;
    const q = `maxitems=1&name=${encodeURIComponent(name)}&type=${rrType(u)}`;
    const r = await send(deps.http, signed("GET", `${API}/hostedzone/${encodeURIComponent(zoneId)}/rrset?${q}`, ""), signal, c);
    if (!r.ok) return r;
    const f = classify(r.value, c, zoneId);
    if (f) return fail(f);
    if (!r.value.body.includes("<ListResourceRecordSetsResponse")) return fail(malformed(c, "not a ListResourceRecordSetsResponse"));
    const set = /<ResourceRecordSet>(.*?)<\/ResourceRecordSet>/s.exec(r.value.body)?.[1];
    if (set === undefined) return ok(null);
    const setName = (tag(set, "Name") ?? "").toLowerCase().replace(/\\052/g, "*");
    if (setName !== name || tag(set, "Type") !== rrType(u)) return ok(null);
    return ok({ values: tags(set, "Value"), ttl: Number(tag(set, "TTL") ?? DEFAULT_TTL) });
  }

  async function change(zoneId: string, group: readonly RecordUpdate[], signal: AbortSignal, ttls: ReadonlyMap<string, number> = new Map()): Promise<PushOutcome | Failure> {
    const c = ctx(group.map((u) => `${u.name} (${rrType(u)})`).join(", "));
    const r = await send(deps.http, signed("POST", `${API}/hostedzone/${encodeURIComponent(zoneId)}/rrset/`, changeBatchXml(group, ttls)), signal, c);
    if (!r.ok) return r.failure;
    const f = classify(r.value, c, zoneId);
    if (f) return f;
    const status = tag(r.value.body, "Status");
    if (!r.value.body.includes("<ChangeResourceRecordSetsResponse") || tag(r.value.body, "Id") === undefined || (status !== "PENDING" && status !== "INSYNC")) {
      return malformed(c, "no ChangeInfo in the answer");
    }
    return configuredZone === "" ? { kind: "updated", cache: { zone_id: zoneId } } : { kind: "updated" };
  }

  /** One zone's updates: batches of 100; an invalid batch is retried record by record. */
  async function pushZone(zoneId: string, all: readonly RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome | Failure>> {
    const out = new Map<string, PushOutcome | Failure>();
    // UPSERT needs a TTL: without a configured or cached one (and on a name's first push) the
    // RRset is read, its TTL written back, and a round robin that is not ddns's refused.
    // previous [] (a repair of a set a read just saw deleted): nothing to keep, nothing to read.
    const ttls = new Map<string, number>();
    const updates: RecordUpdate[] = [];
    for (const u of all) {
      const known = cachedTtl(u);
      if (known !== undefined) ttls.set(u.key, known);
      if (u.previous !== null && (u.ttl !== undefined || known !== undefined || u.previous.length === 0)) {
        updates.push(u);
        continue;
      }
      const cur = await readRrset(zoneId, u, signal);
      if (!cur.ok) {
        out.set(u.key, cur.failure);
        if (cur.failure.tableWide === true) return fillRest(out, all, cur.failure);
        continue;
      }
      const foreign = cur.value === null ? [] : foreignRecords(cur.value.values, u);
      if (foreign.length > 0) out.set(u.key, refuseForeign(u, "route53", cur.value?.values ?? [], foreign));
      else {
        if (cur.value !== null) ttls.set(u.key, cur.value.ttl);
        updates.push(u);
      }
    }
    for (let i = 0; i < updates.length; i += MAX_CHANGES) {
      const chunk = updates.slice(i, i + MAX_CHANGES);
      const o = await change(zoneId, chunk, signal, ttls);
      if (chunk.length > 1 && o.kind === "permanent" && /InvalidChangeBatch|InvalidInput/.test(o.reason)) {
        // One bad record refuses the whole batch: send each alone so only it is latched.
        for (const u of chunk) {
          const one = await change(zoneId, [u], signal, ttls);
          out.set(u.key, one.kind === "updated" ? { ...one, cache: { ...(one.cache ?? {}), ttl: String(u.ttl ?? ttls.get(u.key) ?? DEFAULT_TTL) } } : one);
          if ("tableWide" in one && one.tableWide === true) return fillRest(out, all, one);
        }
        continue;
      }
      // Each record remembers the TTL its set now has, so the next change needs no read.
      for (const u of chunk) out.set(u.key, o.kind === "updated" ? { ...o, cache: { ...(o.cache ?? {}), ttl: String(u.ttl ?? ttls.get(u.key) ?? DEFAULT_TTL) } } : o);
      if ("tableWide" in o && o.tableWide === true) return fillRest(out, all, o);
    }
    return out;
  }

  function fillRest(out: Map<string, PushOutcome | Failure>, updates: readonly RecordUpdate[], o: Failure): Map<string, PushOutcome | Failure> {
    for (const u of updates) if (!out.has(u.key)) out.set(u.key, { ...o, reason: `not sent for ${u.name}: ${o.reason}` });
    return out;
  }

  async function push(updates: RecordUpdate[], signal: AbortSignal): Promise<Map<string, PushOutcome>> {
    const memo = new Map<string, Result<string | null>>();
    const byZone = new Map<string, RecordUpdate[]>();
    const results = new Map<string, PushOutcome | Failure>();
    let stop: Failure | null = null;
    for (const u of updates) {
      const z: Result<string> = stop ? fail(stop) : await zoneOf(u, memo, signal);
      if (!z.ok) {
        results.set(u.key, z.failure);
        if (z.failure.tableWide === true) stop = z.failure;
        continue;
      }
      byZone.set(z.value, [...(byZone.get(z.value) ?? []), u]);
    }
    for (const [zoneId, group] of byZone) {
      if (stop) break;
      let r = await pushZone(zoneId, group, signal);
      const first = r.get(group[0]!.key);
      if (configuredZone === "" && first && "gone" in first && group[0]!.cache?.zone_id === zoneId) {
        // The cached zone was deleted or recreated: find it again once.
        const again = await zoneOf({ ...group[0]!, cache: {} }, new Map(), signal);
        r = again.ok ? await pushZone(again.value, group, signal) : new Map(group.map((u) => [u.key, again.failure]));
      }
      for (const [k, v] of r) {
        results.set(k, v);
        if ((v.kind === "transient" || v.kind === "permanent") && "tableWide" in v && v.tableWide === true) stop = v;
      }
    }
    // Every update has its outcome (or the table-wide stop); pushGroups scrubs secrets.
    return pushGroups(
      updates.map((u) => [u]),
      settings,
      async ([u]) => {
        const o = results.get(u!.key) ?? (stop ? { ...stop, reason: `not sent for ${u!.name}: ${stop.reason}` } : malformed(ctx(u!.name), "no outcome"));
        if (o.kind !== "transient" && o.kind !== "permanent") return o;
        const { tableWide: _w, gone: _g, ...rest } = o as Failure & { gone?: boolean };
        return rest;
      },
    );
  }

  /**
   * The drift check's read (issue 17): ListResourceRecordSets from the record's name
   * and type, one item (`GET .../hostedzone/{Id}/rrset?name=&type=&maxitems=1`). The
   * list starts there in Route 53's order, so the item is the record only when its
   * name and type match; otherwise there is none.
   */
  async function readRecords(records: RecordRead[], signal: AbortSignal): Promise<Map<string, ReadOutcome>> {
    const out = new Map<string, ReadOutcome>();
    const memo = new Map<string, Result<string | null>>();
    let stop: Failure | null = null;
    for (const r of records) {
      if (stop !== null) {
        out.set(r.key, { kind: "unknown", reason: `not asked for ${r.name}: ${stop.reason}` });
        continue;
      }
      const c = ctx(r.name);
      const z = await zoneOf(r, memo, signal);
      if (!z.ok) {
        out.set(r.key, { kind: "unknown", reason: z.failure.reason });
        if (z.failure.tableWide === true) stop = z.failure;
        continue;
      }
      const fqdn = `${r.name.toLowerCase().replace(/\.$/, "")}.`;
      const type = rrType(r);
      const q = `maxitems=1&name=${encodeURIComponent(fqdn)}&type=${type}`;
      const res = await send(deps.http, signed("GET", `${API}/hostedzone/${encodeURIComponent(z.value)}/rrset?${q}`, ""), signal, c);
      if (!res.ok) {
        out.set(r.key, { kind: "unknown", reason: res.failure.reason });
        continue;
      }
      const f = classify(res.value, c, z.value);
      if (f) {
        out.set(r.key, { kind: "unknown", reason: f.reason });
        if (f.tableWide === true) stop = f;
        continue;
      }
      if (!res.value.body.includes("<ListResourceRecordSetsResponse")) {
        out.set(r.key, { kind: "unknown", reason: malformed(c, "not a ListResourceRecordSetsResponse").reason });
        continue;
      }
      const first = /<ResourceRecordSet>(.*?)<\/ResourceRecordSet>/s.exec(res.value.body)?.[1];
      const mine = first !== undefined && tag(first, "Name")?.toLowerCase() === fqdn && tag(first, "Type") === type;
      const addresses = mine ? tags(first, "Value") : [];
      // The set's TTL goes in the cache: a repair that follows keeps it without another read.
      const ttl = mine ? tag(first, "TTL") : undefined;
      const cache = { ...(configuredZone === "" ? { zone_id: z.value } : {}), ...(ttl !== undefined && /^\d+$/.test(ttl) ? { ttl } : {}) };
      out.set(r.key, Object.keys(cache).length > 0 ? { kind: "found", addresses, cache } : { kind: "found", addresses });
    }
    return out;
  }

  return {
    push,
    readRecords,
    async verify(signal) {
      // With a zone id: GetHostedZone; without: a ListHostedZonesByName page (both read-only).
      const c = ctx(configuredZone === "" ? "the account" : `hosted zone ${configuredZone}`);
      const path = configuredZone === "" ? `${API}/hostedzonesbyname?dnsname=com&maxitems=1` : `${API}/hostedzone/${encodeURIComponent(configuredZone)}`;
      const r = await send(deps.http, signed("GET", path, ""), signal, c);
      if (!r.ok) return { ok: false, reason: r.failure.reason };
      const f = classify(r.value, c, configuredZone);
      if (f) return { ok: false, reason: f.reason };
      return /<(GetHostedZoneResponse|ListHostedZonesByNameResponse)/.test(r.value.body) ? { ok: true } : { ok: false, reason: malformed(c, "not the expected answer").reason };
    },
  };
}
