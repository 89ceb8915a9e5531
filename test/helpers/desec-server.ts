/**
 * A strict loopback stand-in for the deSEC REST API (desec-stack docs/dns/*.rst):
 * `GET /api/v1/domains/?owns_qname=`, `GET /api/v1/domains/`, bulk
 * `PATCH /api/v1/domains/{name}/rrsets/`, and one RRset's read
 * `GET /api/v1/domains/{name}/rrsets/{subname}/{type}/` (docs/dns/rrsets.rst,
 * "Retrieving a Specific RRset": 404 when there is none; "@" stands for the empty
 * subname in the path). It checks `Authorization: Token`, JSON
 * content type, the bulk item shape, ttl against the domain's minimum_ttl (required
 * when an RRset is created), addresses per type, and answers with deSEC's (Django
 * REST framework) shapes: RRset objects, `{"detail": ...}` errors, a per-item error
 * list on 400, and 429 with Retry-After when `throttleSeconds` is set.
 *
 * Documents (https://github.com/desec-io/desec-stack/blob/main/docs/dns/rrsets.rst):
 * ttl: "The smallest acceptable value is given by the domain's minimum TTL setting.
 * The maximum value is 604800 (one week)."; "When using the PATCH method, only fields
 * you would like to modify need to be provided." (so a PATCH without ttl keeps it);
 * "Bulk operations are performed atomically"; creating: "type, records, and ttl are
 * mandatory".
 */
import { isIP } from "node:net";
import { startMockApi, type MockApi, type MockReply } from "./mock-api.js";

export interface DesecRRset {
  ttl: number;
  records: string[];
}

export interface DesecMock extends MockApi {
  /** domain -> minimum_ttl */
  domains: Map<string, number>;
  /** "domain/subname/type" -> RRset */
  rrsets: Map<string, DesecRRset>;
  /** When > 0, every request gets 429 with this Retry-After. */
  throttleSeconds: number;
}

const TS = "2026-11-27T06:00:00.000000Z";

function owner(domains: Map<string, number>, qname: string): string | undefined {
  const q = qname.toLowerCase().replace(/\.$/, "");
  return [...domains.keys()].filter((d) => q === d || q.endsWith(`.${d}`)).sort((a, b) => b.length - a.length)[0];
}

export async function startDesec(token: string, domains: Record<string, number>): Promise<DesecMock> {
  let mock: DesecMock | undefined;
  const api = await startMockApi((req, violate): MockReply => {
    const m = mock!;
    const auth = req.headers.authorization;
    if (auth === undefined) return { status: 401, body: { detail: "Authentication credentials were not provided." } };
    if (auth !== `Token ${token}`) return { status: 401, headers: { "www-authenticate": "Token" }, body: { detail: "Invalid token." } };
    if (m.throttleSeconds > 0) {
      return { status: 429, headers: { "retry-after": String(m.throttleSeconds) }, body: { detail: `Request was throttled. Expected available in ${m.throttleSeconds} seconds.` } };
    }
    if (req.method === "GET" && req.path === "/api/v1/domains/") {
      const list = (names: string[]) => names.map((name) => ({ created: TS, minimum_ttl: m.domains.get(name), name, published: TS, touched: TS }));
      if (!req.query.has("owns_qname")) return req.query.toString() === "" ? { status: 200, body: list([...m.domains.keys()]) } : violate(`query ${req.query}`);
      if ([...req.query.keys()].length !== 1) return violate(`query ${req.query}`);
      const d = owner(m.domains, req.query.get("owns_qname")!);
      return { status: 200, body: list(d === undefined ? [] : [d]) };
    }
    const one = /^\/api\/v1\/domains\/([^/]+)\/rrsets\/([^/]+)\/([A-Z]+)\/$/.exec(req.path);
    if (one) {
      if (req.method !== "GET") return violate(`method ${req.method} on one RRset`);
      if (req.query.toString() !== "") return violate("GET of one RRset takes no query");
      const [, domain, rawSub, type] = one as unknown as [string, string, string, string];
      if (!m.domains.has(domain)) return { status: 404, body: { detail: "Not found." } };
      const subname = rawSub === "@" ? "" : decodeURIComponent(rawSub);
      if (subname.endsWith(domain)) return violate("subname must be relative to the domain");
      const rr = m.rrsets.get(`${domain}/${subname}/${type}`);
      if (rr === undefined) return { status: 404, body: { detail: "Not found." } };
      return { status: 200, body: { created: TS, domain, subname, name: `${subname === "" ? "" : `${subname}.`}${domain}.`, type, records: rr.records, ttl: rr.ttl, touched: TS } };
    }
    const pm = /^\/api\/v1\/domains\/([^/]+)\/rrsets\/$/.exec(req.path);
    if (req.method !== "PATCH" || !pm) return violate("not an endpoint this mock knows");
    if (req.query.toString() !== "") return violate("PATCH takes no query");
    if (req.headers["content-type"] !== "application/json") return violate(`content-type ${String(req.headers["content-type"])}`);
    const domain = pm[1]!;
    const min = m.domains.get(domain);
    if (min === undefined) return { status: 404, body: { detail: "Not found." } };
    const items = JSON.parse(req.body) as unknown;
    if (!Array.isArray(items) || items.length === 0) return violate("bulk PATCH body is not a non-empty array");
    const errors: Record<string, string[]>[] = [];
    for (const it of items as Record<string, unknown>[]) {
      const e: Record<string, string[]> = {};
      const keys = Object.keys(it).sort().join(",");
      // ttl may be left out for an RRset that exists (its TTL is kept); a new one needs it.
      if (keys !== "records,subname,ttl,type" && keys !== "records,subname,type") return violate(`item keys ${keys}`);
      if (typeof it.subname !== "string" || (it.type !== "A" && it.type !== "AAAA") || !Array.isArray(it.records)) return violate("item types");
      const exists = m.rrsets.has(`${domain}/${it.subname}/${it.type}`);
      if (typeof it.ttl !== "number" || !Number.isInteger(it.ttl)) {
        if (!exists) e.ttl = ["This field is required."];
      } else if (it.ttl < min) e.ttl = [`Ensure this value is greater than or equal to ${min}.`];
      else if (it.ttl > 86400) e.ttl = ["Ensure this value is less than or equal to 86400."];
      const fam = it.type === "A" ? 4 : 6;
      (it.records as unknown[]).forEach((r, i) => {
        if (typeof r !== "string" || isIP(r) !== fam) e.records = [...(e.records ?? []), `Record content for type ${String(it.type)} malformed: ${String(r)} (item ${i})`];
      });
      errors.push(e);
    }
    if (errors.some((e) => Object.keys(e).length > 0)) return { status: 400, body: errors };
    const written = (items as { subname: string; type: string; ttl: number; records: string[] }[]).map((it) => {
      const key = `${domain}/${it.subname}/${it.type}`;
      const rr = { ttl: it.ttl ?? m.rrsets.get(key)!.ttl, records: it.records };
      if (rr.records.length === 0) m.rrsets.delete(key);
      else m.rrsets.set(key, rr);
      return { created: TS, domain, subname: it.subname, name: `${it.subname === "" ? "" : `${it.subname}.`}${domain}.`, type: it.type, records: rr.records, ttl: rr.ttl, touched: TS };
    });
    return { status: 200, body: written };
  });
  mock = Object.assign(api, { domains: new Map(Object.entries(domains)), rrsets: new Map<string, DesecRRset>(), throttleSeconds: 0 });
  return mock;
}
