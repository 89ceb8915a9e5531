import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockReply } from "./mock-api.js";
import type { StoredRecord, SuiteMock } from "./record-api-suite.js";

/**
 * ClouDNS' HTTP API as lexicon's recorded sessions and dnscontrol show it: form
 * parameters with auth-id/auth-password, answers always HTTP 200, failures as
 * {"status":"Failed","statusDescription"}, records.json an object keyed by id or [].
 * This mock accepts only POST forms (ddns keeps the password out of URLs). The
 * wording of the unknown-record failure is illustrative; the others are from
 * cloudns.net/wiki (articles 42, 57, 60), which also says GET and POST both work.
 */
const TTLS = [60, 300, 900, 1800, 3600, 21600, 43200, 86400, 172800, 259200, 604800, 1209600, 2592000];

export async function startCloudns(authId: string, password: string, zone: string, seed: StoredRecord[]): Promise<SuiteMock> {
  let nextId = 69469268;
  const records = seed.map((r) => ({ id: String(nextId++), type: r.type, host: r.name, record: r.value, ttl: String(r.ttl ?? 3600) }));
  const failed = (statusDescription: string): MockReply => ({ status: 200, body: { status: "Failed", statusDescription } });
  const success = (statusDescription: string, extra: object = {}): MockReply => ({ status: 200, body: { status: "Success", statusDescription, ...extra } });
  const valid = (type: unknown, v: unknown) => typeof v === "string" && (type === "A" ? isIPv4(v) : type === "AAAA" && isIPv6(v));
  let writes = 0;

  const api = await startMockApi((req, violate) => {
    if (req.method !== "POST") return violate(`method ${req.method}: ddns posts forms`);
    if (req.headers["content-type"] !== "application/x-www-form-urlencoded") return violate("content-type");
    if ([...req.query.keys()].length > 0) return violate("parameters in the URL (the password would be in it)");
    const p = new URLSearchParams(req.body);
    if (p.get("auth-id") !== authId || p.get("auth-password") !== password) return failed("Invalid authentication, incorrect auth-id or auth-password.");
    if (req.path === "/login/login.json") return [...p.keys()].length === 2 ? success("Success login.") : violate("login takes only the credentials");
    const m = /^\/dns\/([a-z-]+)\.json$/.exec(req.path);
    if (m === null) return violate("path");
    const allowed: Record<string, string[]> = {
      "get-zone-info": ["domain-name"],
      records: ["domain-name", "host", "type"],
      "mod-record": ["domain-name", "record-id", "host", "record", "ttl"],
      "add-record": ["domain-name", "record-type", "host", "record", "ttl"],
      "delete-record": ["domain-name", "record-id"],
    };
    const keys = allowed[m[1]!];
    if (keys === undefined) return violate(`method ${m[1]}`);
    for (const k of p.keys()) if (k !== "auth-id" && k !== "auth-password" && !keys.includes(k)) return violate(`parameter ${k}`);
    if (p.get("domain-name") !== zone) return failed("Missing domain-name");
    if (m[1] === "get-zone-info") return { status: 200, body: { name: zone, type: "master", zone: "domain", status: "1" } };
    if (m[1] === "records") {
      const hits = records.filter((r) => (!p.has("host") || r.host === p.get("host")) && (!p.has("type") || r.type === p.get("type")));
      if (hits.length === 0) return { status: 200, body: [] };
      return { status: 200, body: Object.fromEntries(hits.map((r) => [r.id, { ...r, failover: "0", status: 1 }])) };
    }
    writes++;
    if (m[1] === "delete-record") {
      const i = records.findIndex((r) => r.id === p.get("record-id"));
      if (i < 0) return failed("Invalid record-id param.");
      records.splice(i, 1);
      return success("The record was deleted successfully.");
    }
    if (!TTLS.includes(Number(p.get("ttl")))) return failed("Invalid TTL. Choose from the list of the values we support.");
    if (p.get("host") === null) return violate("host is required");
    if (m[1] === "add-record") {
      if (!valid(p.get("record-type"), p.get("record"))) return failed("Invalid record.");
      const rec = { id: String(nextId++), type: p.get("record-type")!, host: p.get("host")!, record: p.get("record")!, ttl: p.get("ttl")! };
      records.push(rec);
      return success("The record was added successfully.", { data: { id: Number(rec.id) } });
    }
    const rec = records.find((r) => r.id === p.get("record-id"));
    if (rec === undefined) return failed("Invalid record-id param.");
    if (!valid(rec.type, p.get("record"))) return failed("Invalid record.");
    Object.assign(rec, { host: p.get("host"), record: p.get("record"), ttl: p.get("ttl") });
    return success("The record was modified successfully.");
  });
  return Object.assign(api, { stored: () => records.map((r) => ({ name: r.host, type: r.type, value: r.record, ttl: Number(r.ttl) })), writes: () => writes });
}
