import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isIPv4, isIPv6 } from "node:net";
import { randomBytes } from "node:crypto";

/**
 * A strict loopback stand-in for Cloudflare's API v4 (the DNS subset ddns uses).
 * It checks method, path, query keys, `Authorization: Bearer`, `Content-Type` and the
 * JSON body as Cloudflare documents them, and answers with Cloudflare's envelope
 * `{success, errors:[{code,message}], messages, result[, result_info]}` and its error
 * codes (9109 invalid token, 6003/6111 malformed header, 7003/7000 no route,
 * 81044 record does not exist, 81057 record already exists, 1004 validation).
 * Anything a real client must not send is also written to `violations()`, so a test
 * can require that list to be empty. Free of node:test: usable from plain scripts.
 * Lists are paged (result_info.total_pages). Rate limit, per Cloudflare's limits page
 * (developers.cloudflare.com/fundamentals/api/reference/limits/): "all API calls for
 * the next five minutes will be blocked, receiving a HTTP 429 response" (tests queue it
 * with fail()).
 */
export interface CfServerRecord {
  id: string;
  zone_id: string;
  zone_name: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
  proxiable: boolean;
  comment: string | null;
  tags: string[];
  created_on: string;
  modified_on: string;
}

export interface CfSeenRequest {
  method: string;
  /** Path below the API base, e.g. "/zones/abc/dns_records". */
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  /** Parsed JSON when the body was JSON, else the raw text ("" when none). */
  body: unknown;
}

export interface CfCannedAnswer {
  status: number;
  /** An object is sent as JSON; a string as it is (for malformed answers). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Only a request with this method takes this answer (others pass it by). */
  method?: string;
}

export interface CloudflareServerOptions {
  token: string;
  zones: Array<{ name: string; id: string }>;
  records?: Array<{ name: string; type: string; content: string; id?: string; ttl?: number; proxied?: boolean; comment?: string }>;
  /** Listen address, 127.0.0.1 unless given (e.g. "::1"). */
  host?: string;
  /** The token is account-owned: /user/tokens/verify refuses it with 401 (as Cloudflare does). */
  accountOwnedToken?: boolean;
  /** Delay every answer by this many ms (for deadline tests). */
  delayMs?: number;
  /** Pages hold at most this many records whatever per_page asks (to exercise paging). */
  maxPerPage?: number;
}

export interface CloudflareServer {
  /** The API base, what `endpoint` takes: http://127.0.0.1:PORT/client/v4 */
  url: string;
  requests: CfSeenRequest[];
  count(): number;
  records(): CfServerRecord[];
  /** Strictness failures seen (each also answered with a Cloudflare error). */
  violations(): string[];
  /** Answer the next request (queued, in order) with this instead of the real thing. */
  fail(next: CfCannedAnswer): void;
  /** Remove a record behind the client's back (a user deleting it in the dashboard). */
  deleteRecord(id: string): void;
  close(): Promise<void>;
}

const PREFIX = "/client/v4";
const ZONE_QUERY = new Set(["name", "status", "page", "per_page", "match", "order", "direction", "account.id", "account.name"]);
const RECORD_QUERY = new Set(["type", "name", "content", "page", "per_page", "match", "order", "direction", "proxied"]);
const RECORD_TYPES = new Set(["A", "AAAA", "CNAME", "TXT", "MX", "NS", "CAA", "SRV"]);
const PATCH_KEYS = new Set(["content", "ttl", "proxied", "comment", "name", "type", "tags"]);
const POST_KEYS = new Set(["type", "name", "content", "ttl", "proxied", "comment", "tags"]);

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

function envelope(result: unknown, extra: Record<string, unknown> = {}): unknown {
  return { success: true, errors: [], messages: [], result, ...extra };
}
function error(status: number, ...errors: Array<{ code: number; message: string; error_chain?: unknown[] }>): Answer {
  return { status, body: { success: false, errors, messages: [], result: null } };
}

export async function startCloudflareServer(opts: CloudflareServerOptions): Promise<CloudflareServer> {
  const zones = opts.zones.map((z) => ({ ...z, name: z.name.toLowerCase() }));
  const records: CfServerRecord[] = [];
  const requests: CfSeenRequest[] = [];
  const violations: string[] = [];
  const canned: CfCannedAnswer[] = [];
  const stamp = new Date().toISOString();
  const newId = (): string => randomBytes(16).toString("hex");

  const zoneOf = (name: string): { name: string; id: string } | undefined =>
    zones.filter((z) => name === z.name || name.endsWith("." + z.name)).sort((a, b) => b.name.length - a.name.length)[0];

  for (const r of opts.records ?? []) {
    const name = r.name.toLowerCase();
    const z = zoneOf(name);
    if (z === undefined) throw new Error(`record ${r.name} is in no zone of this server`);
    records.push({
      id: r.id ?? newId(), zone_id: z.id, zone_name: z.name, name, type: r.type, content: r.content,
      ttl: r.ttl ?? 1, proxied: r.proxied ?? false, proxiable: true, comment: r.comment ?? null, tags: [],
      created_on: stamp, modified_on: stamp,
    });
  }

  const violate = (what: string, answer: Answer): Answer => {
    violations.push(what);
    return answer;
  };

  function checkRecordBody(body: unknown, keys: Set<string>, required: string[], zone: { name: string }): Answer | string | Record<string, unknown> {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return violate("body is not a JSON object", error(400, { code: 9207, message: "Request body is invalid." }));
    }
    const o = body as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!keys.has(k)) return violate(`unexpected body key ${k}`, error(400, { code: 9207, message: "Request body is invalid." }));
    for (const k of required) if (o[k] === undefined) return violate(`missing body key ${k}`, error(400, { code: 9207, message: "Request body is invalid." }));
    if (o["type"] !== undefined && (typeof o["type"] !== "string" || !RECORD_TYPES.has(o["type"]))) {
      return violate(`bad type ${String(o["type"])}`, error(400, { code: 9000, message: "DNS name is invalid." }));
    }
    if (o["name"] !== undefined) {
      const n = typeof o["name"] === "string" ? o["name"].toLowerCase() : "";
      if (n !== zone.name && !n.endsWith("." + zone.name)) return violate(`name ${String(o["name"])} outside the zone`, error(400, { code: 1004, message: "DNS Validation Error" }));
    }
    if (o["ttl"] !== undefined && (typeof o["ttl"] !== "number" || !Number.isInteger(o["ttl"]) || (o["ttl"] !== 1 && (o["ttl"] < 30 || o["ttl"] > 86400)))) {
      return violate(`bad ttl ${String(o["ttl"])}`, error(400, { code: 9020, message: "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic." }));
    }
    if (o["proxied"] !== undefined && typeof o["proxied"] !== "boolean") return violate("proxied is not a boolean", error(400, { code: 9003, message: "Invalid 'proxied' value, must be a boolean" }));
    if (o["content"] !== undefined && typeof o["content"] !== "string") return violate("content is not a string", error(400, { code: 9005, message: "Content for A record is invalid. Must be a valid IPv4 address" }));
    return o;
  }

  function contentError(type: string, content: string): Answer | undefined {
    if (type === "A" && !isIPv4(content)) return violate(`A content ${content}`, error(400, { code: 9005, message: "Content for A record is invalid. Must be a valid IPv4 address" }));
    if (type === "AAAA" && !isIPv6(content)) return violate(`AAAA content ${content}`, error(400, { code: 9005, message: "Content for AAAA record is invalid. Must be a valid IPv6 address" }));
    return undefined;
  }

  function route(method: string, path: string, query: Record<string, string>, body: unknown): Answer {
    if (path === "/user/tokens/verify" && method === "GET") {
      if (opts.accountOwnedToken === true) return error(401, { code: 1000, message: "Invalid API Token" });
      return { status: 200, body: envelope({ id: "ed17574386854bf78a67040be0a770b0", status: "active" }, { messages: [{ code: 10000, message: "This API Token is valid and active", type: null }] }) };
    }
    if (path === "/zones" && method === "GET") {
      for (const k of Object.keys(query)) if (!ZONE_QUERY.has(k)) return violate(`unknown zones query key ${k}`, error(400, { code: 1001, message: `Invalid query parameter ${k}` }));
      const found = zones.filter((z) => query["name"] === undefined || z.name === query["name"]);
      const result = found.map((z) => ({ id: z.id, name: z.name, status: "active", paused: false, type: "full" }));
      return { status: 200, body: envelope(result, { result_info: { page: 1, per_page: 20, count: result.length, total_count: result.length, total_pages: 1 } }) };
    }
    const m = /^\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(path);
    if (m === null) return violate(`no route ${method} ${path}`, error(404, { code: 7000, message: "No route for that URI" }));
    const zone = zones.find((z) => z.id === m[1]);
    if (zone === undefined) {
      return error(400, { code: 7003, message: `Could not route to ${PREFIX}${path}, perhaps your object identifier is invalid?` }, { code: 7000, message: "No route for that URI" });
    }
    const id = m[2];
    if (id === undefined && method === "GET") {
      for (const k of Object.keys(query)) if (!RECORD_QUERY.has(k)) return violate(`unknown dns_records query key ${k}`, error(400, { code: 1001, message: `Invalid query parameter ${k}` }));
      const all = records.filter(
        (r) => r.zone_id === zone.id && (query["type"] === undefined || r.type === query["type"]) && (query["name"] === undefined || r.name === query["name"].toLowerCase()),
      );
      // Paged as Cloudflare documents it: per_page default 100 ("dns-records_per_page": default 100,
      // minimum 1), page from 1, result_info {page, per_page, count, total_count, total_pages}.
      const perPage = Math.min(Number(query["per_page"] ?? "100"), opts.maxPerPage ?? Number.MAX_SAFE_INTEGER);
      const page = Number(query["page"] ?? "1");
      if (!Number.isInteger(perPage) || perPage < 1 || !Number.isInteger(page) || page < 1) return violate("page or per_page", error(400, { code: 1004, message: "DNS Validation Error" }));
      const result = all.slice((page - 1) * perPage, page * perPage);
      const totalPages = Math.max(1, Math.ceil(all.length / perPage));
      return { status: 200, body: envelope(result, { result_info: { page, per_page: perPage, count: result.length, total_count: all.length, total_pages: totalPages } }) };
    }
    if (id === undefined && method === "POST") {
      const o = checkRecordBody(body, POST_KEYS, ["type", "name", "content"], zone);
      if (isAnswer(o)) return o;
      const rec = o as { type: string; name: string; content: string; ttl?: number; proxied?: boolean; comment?: string };
      const bad = contentError(rec.type, rec.content);
      if (bad) return bad;
      const name = rec.name.toLowerCase();
      if (records.some((r) => r.zone_id === zone.id && r.name === name && r.type === rec.type && r.content === rec.content)) {
        return error(400, { code: 81057, message: "Record already exists." });
      }
      const created: CfServerRecord = {
        id: newId(), zone_id: zone.id, zone_name: zone.name, name, type: rec.type, content: rec.content, ttl: rec.ttl ?? 1,
        proxied: rec.proxied ?? false, proxiable: true, comment: rec.comment ?? null, tags: [], created_on: new Date().toISOString(), modified_on: new Date().toISOString(),
      };
      records.push(created);
      return { status: 200, body: envelope(created) };
    }
    if (id === undefined) return violate(`no route ${method} ${path}`, error(405, { code: 10405, message: "Method not allowed for this authentication scheme" }));
    const rec = records.find((r) => r.zone_id === zone.id && r.id === id);
    if (method === "GET" || method === "PATCH" || method === "DELETE") {
      if (rec === undefined) return error(404, { code: 81044, message: "Record does not exist." });
    }
    if (rec === undefined) return violate(`no route ${method} ${path}`, error(405, { code: 10405, message: "Method not allowed" }));
    if (method === "GET") return { status: 200, body: envelope(rec) };
    if (method === "DELETE") {
      records.splice(records.indexOf(rec), 1);
      return { status: 200, body: envelope({ id: rec.id }) };
    }
    if (method === "PATCH") {
      const o = checkRecordBody(body, PATCH_KEYS, [], zone);
      if (isAnswer(o)) return o;
      const p = o as Partial<CfServerRecord>;
      const bad = contentError(p.type ?? rec.type, p.content ?? rec.content);
      if (bad) return bad;
      Object.assign(rec, p, { modified_on: new Date().toISOString() });
      if (p.name !== undefined) rec.name = p.name.toLowerCase();
      return { status: 200, body: envelope(rec) };
    }
    return violate(`no route ${method} ${path}`, error(405, { code: 10405, message: "Method not allowed" }));
  }

  function handle(req: IncomingMessage, raw: string): Answer {
    const url = new URL(req.url ?? "/", "http://x");
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k in query) violations.push(`repeated query key ${k}`);
      query[k] = v;
    }
    let body: unknown = raw;
    if (raw !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const path = url.pathname.startsWith(PREFIX) ? url.pathname.slice(PREFIX.length) : url.pathname;
    requests.push({ method: req.method ?? "", path, query, headers: req.headers, body });

    const at = canned.findIndex((c) => c.method === undefined || c.method === req.method);
    const next = at < 0 ? undefined : canned.splice(at, 1)[0];
    if (next !== undefined) return { status: next.status, body: next.body ?? "", ...(next.headers ? { headers: next.headers } : {}) };

    if (!url.pathname.startsWith(PREFIX + "/")) return violate(`path outside ${PREFIX}: ${url.pathname}`, error(404, { code: 7000, message: "No route for that URI" }));
    const auth = req.headers["authorization"];
    if (typeof auth !== "string" || !/^Bearer [A-Za-z0-9_-]+$/.test(auth)) {
      return violate("Authorization is not Bearer <token>", error(400, { code: 6003, message: "Invalid request headers", error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }] }));
    }
    if (auth !== `Bearer ${opts.token}`) return error(403, { code: 9109, message: "Invalid access token" });
    if (req.headers["x-auth-key"] !== undefined || req.headers["x-auth-email"] !== undefined) violations.push("legacy X-Auth headers sent with a token");
    const method = req.method ?? "";
    if (method === "POST" || method === "PATCH" || method === "PUT") {
      if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) {
        return violate("Content-Type is not application/json", error(400, { code: 6003, message: "Invalid request headers", error_chain: [{ code: 6105, message: "Invalid Content-Type header, valid values are application/json,multipart/form-data" }] }));
      }
      if (typeof body !== "object" || body === null) return violate("body is not JSON", error(400, { code: 9207, message: "Request body is invalid." }));
    } else if (raw !== "") {
      violations.push(`${method} with a body`);
    }
    return route(method, path, query, body);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const a = handle(req, Buffer.concat(chunks).toString("utf8"));
      const send = (): void => {
        const text = typeof a.body === "string" ? a.body : JSON.stringify(a.body);
        res.writeHead(a.status, { "content-type": "application/json", ...(a.headers ?? {}) });
        res.end(text);
      };
      if (opts.delayMs) setTimeout(send, opts.delayMs);
      else send();
    });
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${hostPart}:${port}${PREFIX}`,
    requests,
    count: () => requests.length,
    records: () => records.map((r) => ({ ...r, tags: [...r.tags] })),
    violations: () => [...violations],
    fail: (next) => void canned.push(next),
    deleteRecord: (id) => {
      const i = records.findIndex((r) => r.id === id);
      if (i >= 0) records.splice(i, 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function isAnswer(x: unknown): x is Answer {
  return typeof x === "object" && x !== null && "status" in x && typeof (x as { status: unknown }).status === "number" && "body" in x;
}
