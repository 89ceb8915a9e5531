import type { DnsProvider, ProviderDeps, ProviderSettings } from "../types.js";
import { vultrSpec } from "./spec.js";
import { pushIdRecords, readIdRecords, ttlField, type IdRecord, type IdRecordApi } from "../kit/record-sets.js";
import { CHECK, pageBodyCap, tooLong, baseUrl, ctxFor, done, fail, isObject, jsonApi, malformed, ok, perUpdate, pick, probeByGet, str } from "../kit/rest.js";

/**
 * Vultr API v2 DNS (https://www.vultr.com/api/#tag/dns, as ddns-updater and lexicon
 * read it): Bearer API key; the domain name is the zone id. Records: GET
 * /domains/{d}/records?per_page=500 (cursor paging in meta.links.next; no name
 * filter, so ddns filters), PATCH /domains/{d}/records/{id} (204), POST (201
 * {"record"}), DELETE (204). Errors are {"error","status"}.
 *
 * Large zones (issue 14): per_page is Vultr's documented maximum ("Number of items
 * requested per page. Default is 100 and Max is 500.", docs.vultr.com, vultr-cli dns
 * record list); each page may be up to pageBodyCap(500) = 1 MiB (a page of 500 records
 * with DKIM-sized TXT records passes 64 KiB), one page is held at a time and only the
 * name's records are kept. A zone longer than MAX_PAGES pages is refused with a
 * sentence rather than read partly (a partial list could create a duplicate).
 */
const PER_PAGE = 500;
const MAX_PAGES = 100;

export function createVultr(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, vultrSpec().defaultEndpoint);
  const auth = { authorization: `Bearer ${str(settings, "api_key")}` };
  const ctx = ctxFor(settings, "api_key", deps.now);

  const call = jsonApi(deps.http, base, auth);

  const api: IdRecordApi = {
    zoneIsName: true,
    probeZone: (zone, c) => probeByGet(call, `/domains/${encodeURIComponent(zone)}`, c, (j) => (pick(j, "domain", "domain") === zone ? zone : null)),
    async list(z, rel, type, c) {
      const out: IdRecord[] = [];
      let cursor = "";
      for (let page = 0; page < MAX_PAGES; page++) {
        const q = new URLSearchParams({ per_page: String(PER_PAGE), ...(cursor === "" ? {} : { cursor }) });
        const r = await call("GET", `/domains/${encodeURIComponent(z.id)}/records?${q}`, c, undefined, { maxBodyBytes: pageBodyCap(PER_PAGE) });
        if (!r.ok) return r;
        const j = r.value.json;
        if (!isObject(j) || !Array.isArray(j["records"])) return fail(malformed(c, "no records"));
        for (const rec of j["records"]) {
          if (!isObject(rec) || typeof rec["id"] !== "string" || typeof rec["data"] !== "string") return fail(malformed(c, "a record without id or data"));
          if (rec["type"] === type && rec["name"] === rel) out.push({ id: rec["id"], value: rec["data"], ...ttlField(rec["ttl"]) });
        }
        const links = isObject(j["meta"]) && isObject(j["meta"]["links"]) ? j["meta"]["links"] : {};
        cursor = typeof links["next"] === "string" ? links["next"] : "";
        if (cursor === "") return ok(out);
      }
      return fail({ kind: "permanent", reason: tooLong(c.provider, z.zone, MAX_PAGES * PER_PAGE) });
    },
    ops(z, rel, type, ttl, c) {
      const path = `/domains/${encodeURIComponent(z.id)}/records`;
      const withTtl = (b: Record<string, unknown>) => (ttl === undefined ? b : { ...b, ttl });
      return {
        async update(id, value) {
          return done(await call("PATCH", `${path}/${encodeURIComponent(id)}`, c, withTtl({ data: value }), { stale404: true, empty: true }));
        },
        async create(value) {
          const r = await call("POST", path, c, withTtl({ type, name: rel, data: value }));
          if (!r.ok) return r;
          const rec = isObject(r.value.json) ? r.value.json["record"] : undefined;
          return isObject(rec) && typeof rec["id"] === "string" ? ok(rec["id"]) : fail(malformed(c, "created record without id"));
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
    (signal) => call("GET", "/domains?per_page=1", ctx(CHECK, signal)),
    (r, signal) => readIdRecords(r, api, str(settings, "zone").toLowerCase(), ctx(r.name, signal)),
  );
}
