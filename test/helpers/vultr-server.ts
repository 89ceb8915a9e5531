import { randomUUID } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockReply } from "./mock-api.js";
import type { StoredRecord, SuiteMock } from "./record-api-suite.js";

/**
 * Vultr API v2 DNS as lexicon's recorded sessions show it: Bearer auth, records
 * {"id" (uuid),"type","name" ("" apex),"data","priority","ttl"}, cursor paging in
 * meta.links, PATCH and DELETE answer 204 with no body, POST answers 201
 * {"record"}. Errors are {"error","status"}. Base path /v2.
 *
 * Document: https://www.vultr.com/api/#tag/dns (cited by ddns-updater) and docs.vultr.com
 * (vultr-cli dns record list): "Number of items requested per page. Default is 100 and
 * Max is 500." (per_page above 500 is refused here). The API reference's own pages were
 * not read beyond that: the shapes follow lexicon's recorded sessions.
 */
export async function startVultr(apiKey: string, zone: string, seed: StoredRecord[], pageSize = 500): Promise<SuiteMock> {
  const records = seed.map((r) => ({ id: randomUUID(), type: r.type, name: r.name, data: r.value, priority: -1, ttl: r.ttl ?? 300 }));
  const err = (status: number, error: string): MockReply => ({ status, body: { error, status } });
  const valid = (type: unknown, v: unknown) => typeof v === "string" && (type === "A" ? isIPv4(v) : type === "AAAA" && isIPv6(v));
  let writes = 0;

  const api = await startMockApi((req, violate) => {
    if (req.headers.authorization !== `Bearer ${apiKey}`) return err(401, "Invalid API token.");
    if (req.path === "/v2/domains" && req.method === "GET") {
      return { status: 200, body: { domains: [{ domain: zone, date_created: "2026-01-01T00:00:00+00:00", dns_sec: "disabled" }], meta: { total: 1, links: { next: "", prev: "" } } } };
    }
    const m = /^\/v2\/domains\/([^/]+)(\/records(?:\/([0-9a-f-]+))?)?$/.exec(req.path);
    if (m === null) return violate("path");
    if (m[1] !== zone) return err(404, "Domain not found.");
    if (req.method !== "GET") writes++;
    if ((req.method === "POST" || req.method === "PATCH") && req.headers["content-type"] !== "application/json") return violate("content-type");
    const body = req.body === "" ? {} : (JSON.parse(req.body) as Record<string, unknown>);
    if (m[2] === undefined) {
      if (req.method !== "GET") return violate(`method ${req.method}`);
      return { status: 200, body: { domain: { domain: zone, date_created: "2026-01-01T00:00:00+00:00", dns_sec: "disabled" } } };
    }
    if (m[3] === undefined) {
      if (req.method === "GET") {
        for (const k of req.query.keys()) if (!["per_page", "cursor"].includes(k)) return violate(`parameter ${k}`);
        const per = Number(req.query.get("per_page") ?? "100");
        // docs.vultr.com (vultr-cli dns record list): "Number of items requested per page. Default is 100 and Max is 500."
        if (!(per >= 1 && per <= 500)) return violate("per_page outside 1..500");
        const from = Number(req.query.get("cursor") ?? "0");
        const slice = records.slice(from, from + Math.min(per, pageSize));
        const next = from + slice.length < records.length ? String(from + slice.length) : "";
        return { status: 200, body: { records: slice, meta: { total: records.length, links: { next, prev: "" } } } };
      }
      if (req.method !== "POST") return violate(`method ${req.method}`);
      for (const k of Object.keys(body)) if (!["type", "name", "data", "ttl", "priority"].includes(k)) return violate(`field ${k}`);
      if (typeof body["name"] !== "string" || body["name"].endsWith(zone)) return violate("ddns sends the relative name");
      if (!valid(body["type"], body["data"])) return err(400, "Invalid record data.");
      const rec = { id: randomUUID(), type: body["type"] as string, name: body["name"], data: body["data"] as string, priority: -1, ttl: (body["ttl"] as number | undefined) ?? 300 };
      records.push(rec);
      return { status: 201, body: { record: rec } };
    }
    const rec = records.find((r) => r.id === m[3]);
    if (rec === undefined) return err(404, "Record not found.");
    if (req.method === "DELETE") {
      records.splice(records.indexOf(rec), 1);
      return { status: 204 };
    }
    if (req.method !== "PATCH") return violate(`method ${req.method}`);
    for (const k of Object.keys(body)) if (!["name", "data", "ttl", "priority"].includes(k)) return violate(`field ${k}`);
    if (!valid(rec.type, body["data"])) return err(400, "Invalid record data.");
    rec.data = body["data"] as string;
    if (typeof body["ttl"] === "number") rec.ttl = body["ttl"];
    return { status: 204 };
  });
  return Object.assign(api, { stored: () => records.map((r) => ({ name: r.name, type: r.type, value: r.data, ttl: r.ttl })), writes: () => writes });
}
