import type { DnsProvider, ProviderDeps, ProviderSettings } from "../types.js";
import { linodeSpec } from "./spec.js";
import { pushIdRecords, readIdRecords, ttlField, type IdRecord, type IdRecordApi } from "../kit/record-sets.js";
import { CHECK, baseUrl, ctxFor, done, fail, isObject, jsonApi, malformed, ok, perUpdate, str, type Ctx, type Result } from "../kit/rest.js";

/**
 * Linode API v4 (techdocs.akamai.com/linode-api/reference/domain-records): Bearer
 * token with domains:read_write. Zones have numeric ids: GET /domains with
 * `X-Filter: {"domain": "<zone>"}`. Records: GET /domains/{id}/records (paged,
 * `X-Filter` on the filterable `name`), PUT /domains/{id}/records/{rid} with a
 * partial body, POST to create (200 with the record), DELETE. Errors are
 * {"errors":[{"reason","field"}]}; 429 when throttled.
 */
const MAX_PAGES = 10;

export function createLinode(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, linodeSpec().defaultEndpoint);
  const auth = { authorization: `Bearer ${str(settings, "token")}` };
  const ctx = ctxFor(settings, "token", deps.now);

  const call = jsonApi(deps.http, base, auth);

  /** Every item of a paged list (`data`, `page`, `pages`), bounded. */
  async function all(path: string, filter: object, c: Ctx): Promise<Result<Record<string, unknown>[]>> {
    const out: Record<string, unknown>[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const r = await call("GET", `${path}?page=${page}&page_size=500`, c, undefined, { headers: { "x-filter": JSON.stringify(filter) } });
      if (!r.ok) return r;
      const j = r.value.json;
      if (!isObject(j) || !Array.isArray(j["data"]) || typeof j["pages"] !== "number") return fail(malformed(c, "no data/pages"));
      for (const item of j["data"]) if (isObject(item)) out.push(item);
      if (page >= j["pages"]) break;
    }
    return ok(out);
  }

  const api: IdRecordApi = {
    zoneIsName: false,
    async probeZone(zone, c) {
      const r = await all("/domains", { domain: zone }, c);
      if (!r.ok) return r;
      const hit = r.value.find((d) => typeof d["domain"] === "string" && d["domain"].toLowerCase() === zone);
      if (hit === undefined) return ok(null);
      return typeof hit["id"] === "number" ? ok(String(hit["id"])) : fail(malformed(c, "a domain without id"));
    },
    async list(z, rel, type, c) {
      const r = await all(`/domains/${z.id}/records`, { name: rel }, c);
      if (!r.ok) return r;
      const out: IdRecord[] = [];
      for (const rec of r.value) {
        if (typeof rec["id"] !== "number" || typeof rec["target"] !== "string") return fail(malformed(c, "a record without id or target"));
        if (rec["type"] === type && rec["name"] === rel) out.push({ id: String(rec["id"]), value: rec["target"], ...ttlField(rec["ttl_sec"]) });
      }
      return ok(out);
    },
    ops(z, rel, type, ttl, c) {
      const path = `/domains/${z.id}/records`;
      const withTtl = (b: Record<string, unknown>) => (ttl === undefined ? b : { ...b, ttl_sec: ttl });
      return {
        async update(id, value) {
          return done(await call("PUT", `${path}/${encodeURIComponent(id)}`, c, withTtl({ target: value }), { stale404: true }));
        },
        async create(value) {
          const r = await call("POST", path, c, withTtl({ type, name: rel, target: value }));
          if (!r.ok) return r;
          const j = r.value.json;
          return isObject(j) && typeof j["id"] === "number" ? ok(String(j["id"])) : fail(malformed(c, "created record without id"));
        },
        async remove(id) {
          return done(await call("DELETE", `${path}/${encodeURIComponent(id)}`, c, undefined, { allow404: true, empty: true }));
        },
      };
    },
  };

  return perUpdate(
    settings,
    (u, signal) => pushIdRecords(u, api, str(settings, "zone").toLowerCase(), ctx(u.name, signal)),
    (signal) => call("GET", "/domains?page=1&page_size=25", ctx(CHECK, signal)),
    (r, signal) => readIdRecords(r, api, str(settings, "zone").toLowerCase(), ctx(r.name, signal)),
  );
}
