import type { DnsProvider, ProviderDeps, ProviderSettings } from "../types.js";
import { digitaloceanSpec } from "./spec.js";
import { pushIdRecords, readIdRecords, ttlField, type IdRecord, type IdRecordApi } from "../kit/record-sets.js";
import { CHECK, baseUrl, ctxFor, done, fail, isObject, jsonApi, malformed, ok, perUpdate, pick, probeByGet, str } from "../kit/rest.js";

/**
 * DigitalOcean API v2 (digitalocean/openapi, specification/resources/domains):
 * Bearer token; the domain name is the zone id. Find: GET /domains/{d}/records
 * ?type=A&name=<FQDN>; change: PATCH /domains/{d}/records/{id} (200); create: POST
 * /domains/{d}/records (201); remove: DELETE (204). Errors are {"id","message"};
 * 429 carries Retry-After on bursts and ratelimit-reset (epoch seconds) always.
 */
export function createDigitalocean(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, digitaloceanSpec().defaultEndpoint);
  const auth = { authorization: `Bearer ${str(settings, "token")}` };
  const ctx = ctxFor(settings, "token", deps.now);

  const call = jsonApi(deps.http, base, auth);

  const api: IdRecordApi = {
    zoneIsName: true,
    probeZone: (zone, c) => probeByGet(call, `/domains/${encodeURIComponent(zone)}`, c, (j) => (pick(j, "domain", "name") === zone ? zone : null)),
    async list(z, rel, type, c) {
      const fqdn = rel === "" ? z.zone : `${rel}.${z.zone}`;
      const q = new URLSearchParams({ type, name: fqdn, per_page: "200" });
      const r = await call("GET", `/domains/${encodeURIComponent(z.id)}/records?${q}`, c);
      if (!r.ok) return r;
      const list = isObject(r.value.json) ? r.value.json["domain_records"] : undefined;
      if (!Array.isArray(list)) return fail(malformed(c, "no domain_records"));
      const out: IdRecord[] = [];
      for (const rec of list) {
        if (!isObject(rec) || typeof rec["id"] !== "number" || typeof rec["data"] !== "string") return fail(malformed(c, "a record without id or data"));
        if (rec["type"] === type) out.push({ id: String(rec["id"]), value: rec["data"], ...ttlField(rec["ttl"]) });
      }
      return ok(out);
    },
    ops(z, rel, type, ttl, c) {
      const path = `/domains/${encodeURIComponent(z.id)}/records`;
      const withTtl = (b: Record<string, unknown>) => (ttl === undefined ? b : { ...b, ttl });
      return {
        async update(id, value) {
          return done(await call("PATCH", `${path}/${encodeURIComponent(id)}`, c, withTtl({ type, data: value }), { stale404: true }));
        },
        async create(value) {
          const r = await call("POST", path, c, withTtl({ type, name: rel === "" ? "@" : rel, data: value }));
          if (!r.ok) return r;
          const rec = isObject(r.value.json) ? r.value.json["domain_record"] : undefined;
          return isObject(rec) && typeof rec["id"] === "number" ? ok(String(rec["id"])) : fail(malformed(c, "created record without id"));
        },
        async remove(id) {
          return done(await call("DELETE", `${path}/${encodeURIComponent(id)}`, c, undefined, { empty: true, allow404: true }));
        },
      };
    },
  };

  return perUpdate(
    settings,
    (u, signal) => pushIdRecords(u, api, str(settings, "zone").toLowerCase(), ctx(u.name, signal)),
    (signal) => call("GET", "/domains?per_page=1", ctx(CHECK, signal)),
    (r, signal) => readIdRecords(r, api, str(settings, "zone").toLowerCase(), ctx(r.name, signal)),
  );
}
