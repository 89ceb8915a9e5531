import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockReply } from "./mock-api.js";
import type { StoredRecord, SuiteMock } from "./record-api-suite.js";

/**
 * Porkbun API v3 as its documentation and lexicon's recorded sessions show it: POST
 * with the keys in the JSON body, record fields as strings, create answering a
 * numeric id, failures as HTTP 400 {"status":"ERROR","message"}. Base path
 * /api/json/v3. The wording of the failed-edit message is illustrative. TTL, from the
 * documentation (porkbun.com/api/json/v3/documentation): "The minimum and the default is
 * 600 seconds", so a create or edit without ttl gets 600.
 */
export async function startPorkbun(apikey: string, secretapikey: string, zone: string, seed: StoredRecord[]): Promise<SuiteMock> {
  let nextId = 432480875;
  const records = seed.map((r) => ({ id: String(nextId++), name: r.name, type: r.type, content: r.value, ttl: String(r.ttl ?? 600) }));
  const error = (message: string): MockReply => ({ status: 400, body: { status: "ERROR", message } });
  const valid = (type: unknown, v: unknown) => typeof v === "string" && (type === "A" ? isIPv4(v) : type === "AAAA" && isIPv6(v));
  const show = (r: (typeof records)[number]) => ({ ...r, name: r.name === "" ? zone : `${r.name}.${zone}`, prio: "0", notes: null });
  let writes = 0;

  const api = await startMockApi((req, violate) => {
    if (req.method !== "POST") return violate(`method ${req.method}`);
    if (req.headers["content-type"] !== "application/json") return violate("content-type");
    const body = JSON.parse(req.body) as Record<string, unknown>;
    if (body["apikey"] !== apikey || body["secretapikey"] !== secretapikey) return error("Invalid API key. (002)");
    if (req.path === "/api/json/v3/ping") return Object.keys(body).length === 2 ? { status: 200, body: { status: "SUCCESS", yourIp: "127.0.0.1" } } : violate("ping body");
    const m = /^\/api\/json\/v3\/dns\/(retrieveByNameType|edit|create|delete)\/([^/]+)(?:\/(.*))?$/.exec(req.path);
    if (m === null) return violate("path");
    if (m[2] !== zone) return error("Invalid domain.");
    const allowed = (...keys: string[]) => Object.keys(body).every((k) => ["apikey", "secretapikey", ...keys].includes(k));
    const op = m[1]!;
    if (op === "retrieveByNameType") {
      const parts = (m[3] ?? "").split("/");
      if (parts.length !== 2) return violate("retrieveByNameType needs /{type}/{subdomain} (empty for the apex)");
      const [type, sub] = parts as [string, string];
      return { status: 200, body: { status: "SUCCESS", records: records.filter((r) => r.type === type && r.name === decodeURIComponent(sub)).map(show) } };
    }
    writes++;
    if (op === "create") {
      if (m[3] !== undefined || !allowed("name", "type", "content", "ttl", "prio", "notes")) return violate("create body");
      if (typeof body["name"] !== "string" || body["name"].endsWith(zone)) return violate("name is the subdomain only");
      if (body["ttl"] !== undefined && typeof body["ttl"] !== "string") return violate("ttl is sent as a string");
      if (!valid(body["type"], body["content"])) return error("Create error: invalid content.");
      const rec = { id: String(nextId++), name: body["name"], type: body["type"] as string, content: body["content"] as string, ttl: (body["ttl"] as string | undefined) ?? "600" };
      records.push(rec);
      return { status: 200, body: { status: "SUCCESS", id: Number(rec.id) } };
    }
    const rec = records.find((r) => r.id === m[3]);
    if (op === "delete") {
      if (!allowed()) return violate("delete body");
      if (rec === undefined) return error("Delete error: Invalid record id.");
      records.splice(records.indexOf(rec), 1);
      return { status: 200, body: { status: "SUCCESS" } };
    }
    if (!allowed("name", "type", "content", "ttl", "prio", "notes")) return violate("edit body");
    if (rec === undefined) return error("Edit error: We were unable to edit the DNS record.");
    if (body["type"] !== rec.type || body["name"] !== rec.name) return violate("edit must keep the record's name and type");
    if (!valid(rec.type, body["content"])) return error("Edit error: invalid content.");
    rec.content = body["content"] as string;
    // "ttl: The time to live in seconds for the record. The minimum and the default is 600 seconds."
    // (porkbun.com/api/json/v3/documentation, Edit Record): an edit without ttl sets 600.
    rec.ttl = typeof body["ttl"] === "string" ? body["ttl"] : "600";
    return { status: 200, body: { status: "SUCCESS" } };
  });
  return Object.assign(api, { stored: () => records.map((r) => ({ name: r.name, type: r.type, value: r.content, ttl: Number(r.ttl) })), writes: () => writes });
}
