import { isIPv4, isIPv6 } from "node:net";
import { startMockApi, type MockReply } from "./mock-api.js";
import type { StoredRecord, SuiteMock } from "./record-api-suite.js";

/**
 * Name.com API v4 as lexicon's recorded sessions show it: HTTP Basic
 * username:token, records {"id","domainName","host" ("" apex),"fqdn","type",
 * "answer","ttl"}, paged lists with nextPage/lastPage, create and update answer 200
 * with the record. Errors are {"message","details"}; TTL below 300 is refused.
 * Base path /v4.
 *
 * Document: https://www.name.com/api-docs (cited by ddns-updater; not read here:
 * UNVERIFIED in its own words). Page size: "Max limit from the name.com API is 1000
 * records - they paginate this" (acme.sh#5053); perPage above 1000 is refused here.
 */
export async function startNamecom(username: string, token: string, zone: string, seed: StoredRecord[], perPage = 1000): Promise<SuiteMock> {
  let nextId = 178073566;
  const records = seed.map((r) => ({ id: nextId++, host: r.name, type: r.type, answer: r.value, ttl: r.ttl ?? 300 }));
  const show = (r: (typeof records)[number]) => ({ ...r, domainName: zone, fqdn: `${r.host === "" ? "" : `${r.host}.`}${zone}.` });
  const bad = (details: string): MockReply => ({ status: 400, body: { message: "Invalid Argument", details } });
  const valid = (type: unknown, v: unknown) => typeof v === "string" && (type === "A" ? isIPv4(v) : type === "AAAA" && isIPv6(v));
  const expected = `Basic ${Buffer.from(`${username}:${token}`).toString("base64")}`;
  let writes = 0;

  const checkRecord = (body: Record<string, unknown>): MockReply | null => {
    for (const k of Object.keys(body)) if (!["host", "type", "answer", "ttl", "priority"].includes(k)) return bad(`unknown field ${k}`);
    if (typeof body["host"] !== "string") return bad("host is required");
    if (typeof body["ttl"] !== "number" || body["ttl"] < 300) return bad("Parameter Value Error - TTL must be at least 300");
    if (!valid(body["type"], body["answer"])) return bad("Parameter Value Error - Invalid answer");
    return null;
  };

  const api = await startMockApi((req, violate) => {
    if (req.headers.authorization !== expected) return { status: 401, body: { message: "Unauthenticated" } };
    if (req.path === "/v4/domains" && req.method === "GET") return { status: 200, body: { domains: [{ domainName: zone, locked: true, autorenewEnabled: true }] } };
    const m = /^\/v4\/domains\/([^/]+)(\/records(?:\/(\d+))?)?$/.exec(req.path);
    if (m === null) return violate("path");
    if (m[1] !== zone) return { status: 404, body: { message: "Not Found" } };
    if (req.method !== "GET") writes++;
    if ((req.method === "POST" || req.method === "PUT") && req.headers["content-type"] !== "application/json") return violate("content-type");
    const body = req.body === "" ? {} : (JSON.parse(req.body) as Record<string, unknown>);
    if (m[2] === undefined) {
      if (req.method !== "GET") return violate(`method ${req.method}`);
      return { status: 200, body: { domainName: zone, nameservers: ["ns1.name.com"], locked: true, autorenewEnabled: true } };
    }
    if (m[3] === undefined) {
      if (req.method === "GET") {
        for (const k of req.query.keys()) if (!["page", "perPage"].includes(k)) return violate(`parameter ${k}`);
        // "Max limit from the name.com API is 1000 records - they paginate this" (acme.sh#5053).
        if (Number(req.query.get("perPage") ?? "1000") > 1000) return violate("perPage above Name.com's 1000");
        const per = Math.min(Number(req.query.get("perPage") ?? "1000"), perPage);
        const page = Number(req.query.get("page") ?? "1");
        const last = Math.max(1, Math.ceil(records.length / per));
        const slice = records.slice((page - 1) * per, page * per).map(show);
        return { status: 200, body: { ...(slice.length ? { records: slice } : {}), ...(page < last ? { nextPage: page + 1 } : {}), lastPage: last } };
      }
      if (req.method !== "POST") return violate(`method ${req.method}`);
      const wrong = checkRecord(body);
      if (wrong !== null) return wrong;
      if (records.some((r) => r.host === body["host"] && r.type === body["type"] && r.answer === body["answer"])) return bad("Parameter Value Error - Duplicate Record");
      const rec = { id: nextId++, host: body["host"] as string, type: body["type"] as string, answer: body["answer"] as string, ttl: body["ttl"] as number };
      records.push(rec);
      return { status: 200, body: show(rec) };
    }
    const rec = records.find((r) => r.id === Number(m[3]));
    if (rec === undefined) return { status: 404, body: { message: "Not Found" } };
    if (req.method === "DELETE") {
      records.splice(records.indexOf(rec), 1);
      return { status: 200, body: {} };
    }
    if (req.method !== "PUT") return violate(`method ${req.method}`);
    const wrong = checkRecord(body);
    if (wrong !== null) return wrong;
    Object.assign(rec, { host: body["host"], type: body["type"], answer: body["answer"], ttl: body["ttl"] });
    return { status: 200, body: show(rec) };
  });
  return Object.assign(api, { stored: () => records.map((r) => ({ name: r.host, type: r.type, value: r.answer, ttl: r.ttl })), writes: () => writes });
}
