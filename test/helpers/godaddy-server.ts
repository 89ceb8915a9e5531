import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockReply } from "./mock-api.js";
import type { StoredRecord, SuiteMock } from "./record-api-suite.js";

/**
 * GoDaddy Domains API v1 as lexicon's recorded sessions and ddclient show it:
 * `sso-key KEY:SECRET`, records by type and name ("@" apex) as JSON arrays, PUT
 * replacing them and answering 200 with an empty body, errors {"code","message"
 * [,"fields"]}. The 401 code/wording is illustrative; `accessDenied` makes every call
 * answer the 403 ACCESS_DENIED that small accounts get since 2024.
 *
 * Document: https://developer.godaddy.com/doc/endpoint/domains (not readable here:
 * UNVERIFIED in its own words); the 600 s TTL minimum follows lexicon (which clamps to
 * 600..604800) and notes/providers.md §12; rate limit "60 requests per minute" per
 * https://godaddy.com/legal/agreements/godaddy-api-terms-of-use (notes/providers.md).
 */
export async function startGodaddy(key: string, secret: string, zone: string, seed: StoredRecord[], accessDenied = false): Promise<SuiteMock> {
  const records = seed.map((r) => ({ name: r.name === "" ? "@" : r.name, type: r.type, data: r.value, ttl: r.ttl ?? 3600 }));
  const err = (status: number, code: string, message: string, extra: object = {}): MockReply => ({ status, body: { code, message, ...extra } });
  let writes = 0;

  const api = await startMockApi((req, violate) => {
    if (req.headers.authorization !== `sso-key ${key}:${secret}`) return err(401, "UNABLE_TO_AUTHENTICATE", "Unable to authenticate user");
    if (accessDenied) return err(403, "ACCESS_DENIED", "Authenticated user is not allowed access");
    if (req.path === "/v1/domains" && req.method === "GET") return { status: 200, body: [{ domain: zone, domainId: 1002111, status: "ACTIVE" }] };
    const m = /^\/v1\/domains\/([^/]+)(?:\/records\/(A|AAAA)\/([^/]+))?$/.exec(req.path);
    if (m === null) return violate("path");
    if (m[1] !== zone) return err(404, "NOT_FOUND", `Domain ${m[1]} not found`);
    if (m[2] === undefined) {
      if (req.method !== "GET") return violate(`method ${req.method}`);
      return { status: 200, body: { domain: zone, domainId: 1002111, status: "ACTIVE", locked: true } };
    }
    const name = decodeURIComponent(m[3]!);
    if (name === "" || name.endsWith(zone)) return violate("name must be relative, @ for the apex");
    const type = m[2];
    if (req.method === "GET") return { status: 200, body: records.filter((r) => r.name === name && r.type === type) };
    if (req.method !== "PUT") return violate(`method ${req.method}`);
    if (req.headers["content-type"] !== "application/json") return violate("content-type");
    writes++;
    const body = JSON.parse(req.body) as unknown;
    if (!Array.isArray(body) || body.length === 0) return violate("PUT body must be a non-empty array (an empty one is ignored)");
    for (const [i, rec] of body.entries()) {
      const r = rec as Record<string, unknown>;
      for (const k of Object.keys(r)) if (!["data", "ttl"].includes(k)) return violate(`field ${k}`);
      if (typeof r["data"] !== "string" || !(type === "A" ? isIPv4(r["data"]) : isIPv6(r["data"]))) {
        return err(422, "INVALID_BODY", "Request body doesn't fulfill schema, see details in `fields`", { fields: [{ path: `records[${i}].data`, code: "UNEXPECTED_FORMAT" }] });
      }
      if (r["ttl"] !== undefined && (typeof r["ttl"] !== "number" || r["ttl"] < 600)) {
        return err(422, "INVALID_BODY", "Request body doesn't fulfill schema, see details in `fields`", { fields: [{ path: `records[${i}].ttl`, code: "UNEXPECTED_FORMAT" }] });
      }
    }
    for (let i = records.length - 1; i >= 0; i--) if (records[i]!.name === name && records[i]!.type === type) records.splice(i, 1);
    for (const r of body as { data: string; ttl?: number }[]) records.push({ name, type, data: r.data, ttl: r.ttl ?? 3600 });
    return { status: 200 };
  });
  return Object.assign(api, { stored: () => records.map((r) => ({ name: r.name === "@" ? "" : r.name, type: r.type, value: r.data, ttl: r.ttl })), writes: () => writes });
}
