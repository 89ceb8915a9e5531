import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockReply } from "./mock-api.js";
import type { StoredRecord, SuiteMock } from "./record-api-suite.js";

/**
 * Hetzner Cloud API zones and zone RRsets as hcloud-go's schema and the API reference
 * describe them: Bearer token, zone by id or name, RRsets by name ("@" apex) and type,
 * set_records and create answering 201 with an action, errors
 * {"error":{"code","message","details"}}. Base path /v1. change_ttl as hcloud-go's
 * ZoneRRSetChangeTTLOpts sends it (POST .../rrsets/{name}/{type}/actions/change_ttl
 * {"ttl": N}, 201 with an action; hcloud/zone_rrset.go).
 *
 * Document: https://docs.hetzner.cloud/reference/cloud (Zone RRSet Actions), whose text
 * reads: "Set Records of an RRSet: Overwrites the resource records (RRs) of an existing
 * RRSet in the Zone."; "Change an RRSet's TTL: Changes the Time To Live (TTL) of an RRSet
 * in the Zone."; both "Only applicable for Zones in primary mode" (422
 * incorrect_zone_mode); the zone path parameter is "ID or Name of the Zone". (Read here
 * through a mirror of the API reference, glama.ai's hcloud_zone_rrset_* listings.)
 */
const ZONE_ID = 4711;

export async function startHetzner(token: string, zone: string, seed: StoredRecord[]): Promise<SuiteMock> {
  const sets = new Map<string, { ttl: number | null; values: string[] }>();
  for (const r of seed) {
    const k = `${r.name === "" ? "@" : r.name}/${r.type}`;
    const cur = sets.get(k) ?? { ttl: r.ttl ?? null, values: [] };
    cur.values.push(r.value);
    sets.set(k, cur);
  }
  const err = (status: number, code: string, message: string): MockReply => ({ status, body: { error: { code, message, details: {} } } });
  let actionId = 13;
  const action = (command: string) => ({ id: actionId++, command, status: "running", progress: 0, started: "2026-11-27T06:00:00Z", finished: null, resources: [{ id: ZONE_ID, type: "zone" }], error: null });
  const show = (k: string) => {
    const [name, type] = k.split("/") as [string, string];
    const s = sets.get(k)!;
    return { id: k, name, type, ttl: s.ttl, records: s.values.map((value) => ({ value, comment: "" })), zone: ZONE_ID, labels: {}, protection: { change: false } };
  };
  const validValues = (type: string, records: unknown): records is { value: string }[] =>
    Array.isArray(records) && records.length > 0 && records.every((r) => typeof r === "object" && r !== null && Object.keys(r).every((k) => k === "value" || k === "comment") && (type === "A" ? isIPv4((r as { value: string }).value) : isIPv6((r as { value: string }).value)));
  let writes = 0;

  const api = await startMockApi((req, violate) => {
    if (req.headers.authorization !== `Bearer ${token}`) return err(401, "unauthorized", "unable to authenticate");
    if (req.path === "/v1/zones" && req.method === "GET") {
      return { status: 200, body: { zones: [{ id: ZONE_ID, name: zone, mode: "primary" }], meta: { pagination: { page: 1, per_page: 1, previous_page: null, next_page: null, last_page: 1, total_entries: 1 } } } };
    }
    const m = /^\/v1\/zones\/([^/]+)(?:\/rrsets(?:\/([^/]+)\/(A|AAAA)(\/actions\/(?:set_records|change_ttl))?)?)?$/.exec(req.path);
    if (m === null) return violate("path");
    if (m[1] !== zone && m[1] !== String(ZONE_ID)) return err(404, "not_found", "zone not found");
    if (req.method === "POST") {
      if (req.headers["content-type"] !== "application/json") return violate("content-type");
      writes++;
    }
    const body = req.body === "" ? {} : (JSON.parse(req.body) as Record<string, unknown>);
    if (!req.path.includes("/rrsets")) {
      if (req.method !== "GET") return violate(`method ${req.method}`);
      return { status: 200, body: { zone: { id: ZONE_ID, name: zone, mode: "primary", ttl: 3600, status: "ok", record_count: sets.size, labels: {}, protection: { delete: false } } } };
    }
    if (m[2] === undefined) {
      if (req.method !== "POST") return violate(`method ${req.method}`);
      for (const k of Object.keys(body)) if (!["name", "type", "ttl", "records", "labels"].includes(k)) return violate(`field ${k}`);
      const name = body["name"];
      if (typeof name !== "string" || name === "" || name.endsWith(zone) || name !== name.toLowerCase()) return violate("name must be relative, lower case, @ for the apex");
      const type = body["type"] as string;
      if (!validValues(type, body["records"])) return err(422, "invalid_input", "invalid input in field 'records'");
      if (body["ttl"] !== undefined && (typeof body["ttl"] !== "number" || body["ttl"] < 60)) return err(422, "invalid_input", "invalid input in field 'ttl'");
      const k = `${name}/${type}`;
      if (sets.has(k)) return err(409, "uniqueness_error", "rrset already exists");
      sets.set(k, { ttl: (body["ttl"] as number | undefined) ?? null, values: body["records"].map((r) => r.value) });
      return { status: 201, body: { rrset: show(k), action: action("create_rrset") } };
    }
    const name = decodeURIComponent(m[2]);
    if (name.endsWith(zone)) return violate("rrset name must be relative");
    const k = `${name}/${m[3]}`;
    if (!sets.has(k)) return err(404, "not_found", "rrset not found");
    if (m[4] === undefined) {
      if (req.method !== "GET") return violate(`method ${req.method}`);
      return { status: 200, body: { rrset: show(k) } };
    }
    if (req.method !== "POST") return violate(`method ${req.method}`);
    if (m[4] === "/actions/change_ttl") {
      if (Object.keys(body).join() !== "ttl") return violate("change_ttl takes only ttl");
      if (typeof body["ttl"] !== "number" || body["ttl"] < 60) return err(422, "invalid_input", "invalid input in field 'ttl'");
      sets.get(k)!.ttl = body["ttl"];
      return { status: 201, body: { action: action("change_rrset_ttl") } };
    }
    if (Object.keys(body).join() !== "records") return violate("set_records takes only records");
    if (!validValues(m[3]!, body["records"])) return err(422, "invalid_input", "invalid input in field 'records'");
    sets.get(k)!.values = body["records"].map((r) => r.value);
    return { status: 201, body: { action: action("set_rrset_records") } };
  });
  return Object.assign(api, {
    stored: () => [...sets].flatMap(([k, s]) => s.values.map((value) => ({ name: k.split("/")[0] === "@" ? "" : k.split("/")[0]!, type: k.split("/")[1]!, value, ...(s.ttl === null ? {} : { ttl: s.ttl }) }))),
    writes: () => writes,
  });
}
