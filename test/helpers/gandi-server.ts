import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockReply } from "./mock-api.js";
import type { StoredRecord, SuiteMock } from "./record-api-suite.js";

/**
 * Gandi LiveDNS v5 as its docs and lexicon's recorded sessions show it: Bearer PAT,
 * RRsets by name ("@" apex) and type, PUT replacing or creating and answering 201
 * {"message":"DNS Record Created"}, errors {"code","message","object","cause"}.
 * Base path /v5/livedns. The 401 wording is illustrative.
 *
 * Document: https://api.gandi.net/docs/livedns/ (not readable here: UNVERIFIED in its own
 * words; the 300 s TTL minimum and the PUT semantics follow notes/providers.md and
 * lexicon's recorded sessions).
 */
export async function startGandi(token: string, zone: string, seed: StoredRecord[]): Promise<SuiteMock> {
  const rrsets = new Map<string, { values: string[]; ttl: number }>();
  for (const r of seed) {
    const k = `${r.name === "" ? "@" : r.name}/${r.type}`;
    const cur = rrsets.get(k) ?? { values: [], ttl: r.ttl ?? 10800 };
    cur.values.push(r.value);
    rrsets.set(k, cur);
  }
  const err = (code: number, object: string, cause: string, message: string): MockReply => ({ status: code, body: { code, message, object, cause } });
  let writes = 0;

  const api = await startMockApi((req, violate) => {
    if (req.headers.authorization !== `Bearer ${token}`) return err(401, "HTTPUnauthorized", "Unauthorized", "The server could not verify that you are authorized to access the URL requested.");
    if (req.path === "/v5/livedns/domains" && req.method === "GET") return { status: 200, body: [{ fqdn: zone, domain_href: `https://api.gandi.net/v5/livedns/domains/${zone}` }] };
    const m = /^\/v5\/livedns\/domains\/([^/]+)(?:\/records\/([^/]+)\/([A-Z]+))?$/.exec(req.path);
    if (m === null) return violate("path");
    if (m[1] !== zone) return err(404, "HTTPNotFound", "Not Found", "The resource could not be found.");
    if (m[2] === undefined) {
      if (req.method !== "GET") return violate(`method ${req.method}`);
      return { status: 200, body: { fqdn: zone, automatic_snapshots: true, domain_records_href: `https://api.gandi.net/v5/livedns/domains/${zone}/records` } };
    }
    const name = decodeURIComponent(m[2]);
    if (name === "" || name.endsWith(zone)) return violate("rrset name must be relative, @ for the apex");
    const key = `${name}/${m[3]}`;
    if (req.method === "GET") {
      const set = rrsets.get(key);
      if (set === undefined) return err(404, "HTTPNotFound", "Not Found", `Can't find the DNS record ${name}/${m[3]}`);
      return { status: 200, body: { rrset_name: name, rrset_type: m[3], rrset_ttl: set.ttl, rrset_values: set.values, rrset_href: `https://api.gandi.net/v5/livedns/domains/${zone}/records/${name}/${m[3]}` } };
    }
    if (req.method !== "PUT") return violate(`method ${req.method}`);
    if (req.headers["content-type"] !== "application/json") return violate("content-type");
    writes++;
    const body = JSON.parse(req.body) as Record<string, unknown>;
    for (const k of Object.keys(body)) if (!["rrset_values", "rrset_ttl"].includes(k)) return violate(`field ${k}`);
    const values = body["rrset_values"];
    const ttl = body["rrset_ttl"];
    if (!Array.isArray(values) || values.length === 0) return err(400, "HTTPBadRequest", "Bad Request", "rrset_values: required");
    if (!values.every((v) => (m[3] === "A" ? isIPv4(v) : isIPv6(v)))) return err(400, "HTTPBadRequest", "Bad Request", "rrset_values: invalid value");
    if (ttl !== undefined && (typeof ttl !== "number" || ttl < 300 || ttl > 2592000)) return err(400, "HTTPBadRequest", "Bad Request", "rrset_ttl: must be between 300 and 2592000");
    rrsets.set(key, { values: values as string[], ttl: (ttl as number | undefined) ?? 10800 });
    return { status: 201, body: { message: "DNS Record Created" } };
  });
  return Object.assign(api, {
    stored: () => [...rrsets].flatMap(([k, set]) => set.values.map((value) => ({ name: k.split("/")[0] === "@" ? "" : k.split("/")[0]!, type: k.split("/")[1]!, value, ttl: set.ttl }))),
    writes: () => writes,
  });
}
