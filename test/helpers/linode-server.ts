import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockReply } from "./mock-api.js";
import type { StoredRecord, SuiteMock } from "./record-api-suite.js";

/**
 * Linode API v4 domains and domain records (techdocs.akamai.com/linode-api):
 * Bearer auth, paged lists {data,page,pages,results} filtered by an X-Filter JSON
 * header, partial PUT, POST answering 200 with the record, DELETE answering {}.
 * Errors are {"errors":[{"reason"}]}. Base path /v4.
 */
const DOMAIN_ID = 1065421;
const NOT_FOUND: MockReply = { status: 404, body: { errors: [{ reason: "Not found" }] } };

export async function startLinode(token: string, zone: string, seed: StoredRecord[]): Promise<SuiteMock> {
  let nextId = 17940000;
  const records = seed.map((r) => ({ id: nextId++, type: r.type, name: r.name, target: r.value, ttl_sec: r.ttl ?? 0 }));
  const show = (r: (typeof records)[number]) => ({ ...r, priority: 0, weight: 0, port: 0, service: null, protocol: null, tag: null, created: "2026-01-01T00:00:00", updated: "2026-01-01T00:00:00" });
  const page = (data: object[]) => ({ data, page: 1, pages: 1, results: data.length });
  const valid = (type: unknown, v: unknown) => typeof v === "string" && (type === "A" ? isIPv4(v) : type === "AAAA" && isIPv6(v));
  let writes = 0;

  const api = await startMockApi((req, violate) => {
    if (req.headers.authorization !== `Bearer ${token}`) return { status: 401, body: { errors: [{ reason: "Invalid Token" }] } };
    const m = /^\/v4\/domains(?:\/(\d+)\/records(?:\/(\d+))?)?$/.exec(req.path);
    if (m === null) return violate("path");
    const mutates = req.method !== "GET";
    if (mutates) writes++;
    if ((req.method === "POST" || req.method === "PUT") && req.headers["content-type"] !== "application/json") return violate("content-type");
    let filter: Record<string, unknown> = {};
    if (req.method === "GET") {
      const size = Number(req.query.get("page_size") ?? "100");
      if (!(size >= 25 && size <= 500)) return violate("page_size outside 25..500");
      const raw = req.headers["x-filter"];
      if (typeof raw === "string") filter = JSON.parse(raw) as Record<string, unknown>;
    }
    if (m[1] === undefined) {
      if (req.method !== "GET") return violate(`method ${req.method} on /domains`);
      const all = [{ id: DOMAIN_ID, domain: zone, type: "master", status: "active", soa_email: `hostmaster@${zone}`, ttl_sec: 0, tags: [] }];
      return { status: 200, body: page(all.filter((d) => filter["domain"] === undefined || d.domain === filter["domain"])) };
    }
    if (Number(m[1]) !== DOMAIN_ID) return NOT_FOUND;
    const body = req.body === "" ? {} : (JSON.parse(req.body) as Record<string, unknown>);
    if (m[2] === undefined) {
      if (req.method === "GET") {
        for (const k of Object.keys(filter)) if (!["name", "target", "tag"].includes(k)) return violate(`${k} is not filterable`);
        return { status: 200, body: page(records.filter((r) => filter["name"] === undefined || r.name === filter["name"]).map(show)) };
      }
      if (req.method !== "POST") return violate(`method ${req.method}`);
      for (const k of Object.keys(body)) if (!["type", "name", "target", "ttl_sec"].includes(k)) return violate(`field ${k}`);
      if (typeof body["name"] !== "string" || body["name"].endsWith(zone)) return violate("ddns sends the relative name");
      if (!valid(body["type"], body["target"])) return { status: 400, body: { errors: [{ field: "target", reason: "Invalid IP address" }] } };
      const rec = { id: nextId++, type: body["type"] as string, name: body["name"], target: body["target"] as string, ttl_sec: (body["ttl_sec"] as number | undefined) ?? 0 };
      records.push(rec);
      return { status: 200, body: show(rec) };
    }
    const rec = records.find((r) => r.id === Number(m[2]));
    if (rec === undefined) return NOT_FOUND;
    if (req.method === "DELETE") {
      records.splice(records.indexOf(rec), 1);
      return { status: 200, body: {} };
    }
    if (req.method !== "PUT") return violate(`method ${req.method}`);
    for (const k of Object.keys(body)) if (!["target", "ttl_sec"].includes(k)) return violate(`field ${k}`);
    if (!valid(rec.type, body["target"])) return { status: 400, body: { errors: [{ field: "target", reason: "Invalid IP address" }] } };
    rec.target = body["target"] as string;
    if (typeof body["ttl_sec"] === "number") rec.ttl_sec = body["ttl_sec"];
    return { status: 200, body: show(rec) };
  });
  return Object.assign(api, {
    stored: () => records.map((r) => ({ name: r.name, type: r.type, value: r.target, ttl: r.ttl_sec })),
    writes: () => writes,
  });
}
