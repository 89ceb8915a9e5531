import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockReply } from "./mock-api.js";
import type { SuiteMock } from "./record-api-suite.js";

/**
 * DigitalOcean API v2 domains and domain records, as digitalocean/openapi
 * (specification/resources/domains) describes them: Bearer auth, JSON bodies,
 * {"id","message"} errors, 201 on create, 204 on delete. Base path /v2.
 *
 * Document: https://docs.digitalocean.com/reference/api/ (domain records; the same text in
 * https://docs.digitalocean.com/reference/pydo/reference/domains/patch_record/): "To update
 * an existing record, send a PATCH request to /v2/domains/{domain_name}/records/
 * {domain_record_id}. Any attribute valid for the record type can be set to a new value
 * for the record." (a PATCH without ttl leaves it); ttl: "This value is the time to live
 * for the record, in seconds." (no range given).
 */
export interface DoRecord {
  id: number;
  type: string;
  name: string;
  data: string;
  ttl: number;
}

export interface DigitaloceanMock extends SuiteMock {
  records: DoRecord[];
}

const NOT_FOUND: MockReply = { status: 404, body: { id: "not_found", message: "The resource you were accessing could not be found." } };

export async function startDigitalocean(token: string, domain: string, records: Omit<DoRecord, "id">[]): Promise<DigitaloceanMock> {
  let nextId = 3352896;
  const store: DoRecord[] = records.map((r) => ({ ...r, id: nextId++ }));
  const show = (r: DoRecord) => ({ ...r, priority: null, port: null, weight: null, flags: null, tag: null });
  const validData = (type: unknown, data: unknown) => typeof data === "string" && (type === "A" ? isIPv4(data) : type === "AAAA" ? isIPv6(data) : false);

  let writes = 0;
  const api = await startMockApi((req, violate) => {
    if (req.method !== "GET") writes++;
    if (req.headers.authorization !== `Bearer ${token}`) return { status: 401, body: { id: "unauthorized", message: "Unable to authenticate you." } };
    if (req.path === "/v2/domains" && req.method === "GET") return { status: 200, body: { domains: [{ name: domain, ttl: 1800, zone_file: "" }], links: {}, meta: { total: 1 } } };
    const m = /^\/v2\/domains\/([^/]+)(\/records(?:\/(\d+))?)?$/.exec(req.path);
    if (m === null) return violate("path");
    if (m[1] !== domain) return NOT_FOUND;
    const hasBody = req.method === "POST" || req.method === "PATCH";
    if (hasBody && req.headers["content-type"] !== "application/json") return violate("content-type is not application/json");
    const body = hasBody ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    if (m[2] === undefined) {
      if (req.method !== "GET") return violate(`method ${req.method} on a domain`);
      return { status: 200, body: { domain: { name: domain, ttl: 1800, zone_file: "" } } };
    }
    if (m[3] === undefined) {
      if (req.method === "GET") {
        for (const k of req.query.keys()) if (!["type", "name", "page", "per_page"].includes(k)) return violate(`unknown parameter ${k}`);
        const name = req.query.get("name");
        if (name !== null && name !== domain && !name.endsWith(`.${domain}`)) return violate("name must be the FQDN");
        const type = req.query.get("type");
        const rel = name === null ? null : name === domain ? "@" : name.slice(0, -(domain.length + 1));
        const hits = store.filter((r) => (type === null || r.type === type) && (rel === null || r.name === rel));
        return { status: 200, body: { domain_records: hits.map(show), links: {}, meta: { total: hits.length } } };
      }
      if (req.method !== "POST") return violate(`method ${req.method} on records`);
      for (const k of Object.keys(body)) if (!["type", "name", "data", "ttl"].includes(k)) return violate(`unexpected field ${k}`);
      if (typeof body["name"] !== "string" || body["name"].includes(domain)) return violate("name must be relative (@ for the apex)");
      if (!validData(body["type"], body["data"])) return { status: 422, body: { id: "unprocessable_entity", message: "Data needs to be a valid IP address" } };
      const rec: DoRecord = { id: nextId++, type: body["type"] as string, name: body["name"], data: body["data"] as string, ttl: (body["ttl"] as number | undefined) ?? 1800 };
      store.push(rec);
      return { status: 201, body: { domain_record: show(rec) } };
    }
    const rec = store.find((r) => r.id === Number(m[3]));
    if (rec === undefined) return NOT_FOUND;
    if (req.method === "DELETE") {
      store.splice(store.indexOf(rec), 1);
      return { status: 204 };
    }
    if (req.method !== "PATCH") return violate(`method ${req.method} on a record`);
    for (const k of Object.keys(body)) if (!["type", "data", "ttl"].includes(k)) return violate(`unexpected field ${k}`);
    if (body["type"] !== rec.type) return violate("type differs from the record's");
    if (!validData(rec.type, body["data"])) return { status: 422, body: { id: "unprocessable_entity", message: "Data needs to be a valid IP address" } };
    rec.data = body["data"] as string;
    if (typeof body["ttl"] === "number") rec.ttl = body["ttl"];
    return { status: 200, body: { domain_record: show(rec) } };
  });
  return Object.assign(api, {
    records: store,
    stored: () => store.map((r) => ({ name: r.name === "@" ? "" : r.name, type: r.type, value: r.data, ttl: r.ttl })),
    writes: () => writes,
  });
}
