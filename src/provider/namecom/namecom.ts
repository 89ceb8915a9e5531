import { Buffer } from "node:buffer";
import type { DnsProvider, ProviderDeps, ProviderSettings } from "../types.js";
import { namecomSpec } from "./spec.js";
import { pushIdRecords, readIdRecords, ttlField, type IdRecord, type IdRecordApi } from "../kit/record-sets.js";
import { CHECK, pageBodyCap, tooLong, baseUrl, ctxFor, done, fail, isObject, jsonApi, malformed, ok, perUpdate, pick, probeByGet, str } from "../kit/rest.js";

/**
 * Name.com API v4 (as ddns-updater and lexicon use it, with lexicon's recorded
 * sessions): HTTP Basic username:token; the domain name is the zone id. Records:
 * GET /domains/{d}/records?page=N (paged; no name filter), PUT
 * /domains/{d}/records/{id} with {host,type,answer,ttl} (200), POST to create (200
 * with the record), DELETE. Errors are {"message","details"}. TTL minimum is 300.
 *
 * Large zones (issue 14): perPage=1000, the most Name.com returns ("Max limit from the
 * name.com API is 1000 records - they paginate this", acme.sh#5053); a page may be up to
 * pageBodyCap(1000) = 2 MiB (1000 records are about 120 KB, past the 64 KiB default);
 * one page is held at a time and only the name's records are kept. A zone longer than
 * MAX_PAGES pages is refused with a sentence rather than read partly.
 */
const PER_PAGE = 1000;
const MAX_PAGES = 50;
const MIN_TTL = 300;

export function createNamecom(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, namecomSpec().defaultEndpoint);
  const basic = Buffer.from(`${str(settings, "username")}:${str(settings, "token")}`).toString("base64");
  const auth = { authorization: `Basic ${basic}` };
  const ctx = ctxFor(settings, "username/token", deps.now);

  const call = jsonApi(deps.http, base, auth);

  const api: IdRecordApi = {
    // Name.com's PUT carries the whole record, ttl included: the TTL the record has is written back.
    updateResetsTtl: true,
    zoneIsName: true,
    probeZone: (zone, c) => probeByGet(call, `/domains/${encodeURIComponent(zone)}`, c, (j) => (pick(j, "domainName") === zone ? zone : null)),
    async list(z, rel, type, c) {
      const out: IdRecord[] = [];
      for (let page = 1, n = 0; ; n++) {
        if (n === MAX_PAGES) return fail({ kind: "permanent", reason: tooLong(c.provider, z.zone, MAX_PAGES * PER_PAGE) });
        const r = await call("GET", `/domains/${encodeURIComponent(z.id)}/records?perPage=${PER_PAGE}&page=${page}`, c, undefined, { maxBodyBytes: pageBodyCap(PER_PAGE) });
        if (!r.ok) return r;
        const j = r.value.json;
        // An empty zone may leave "records" out.
        const records = isObject(j) ? (j["records"] ?? []) : undefined;
        if (!isObject(j) || !Array.isArray(records)) return fail(malformed(c, "no records"));
        for (const rec of records) {
          if (!isObject(rec) || typeof rec["id"] !== "number" || typeof rec["answer"] !== "string") return fail(malformed(c, "a record without id or answer"));
          if (rec["type"] === type && (rec["host"] ?? "") === rel) out.push({ id: String(rec["id"]), value: rec["answer"], ...ttlField(rec["ttl"]) });
        }
        // The docs' field is nextPage; lexicon reads next_page (UNVERIFIED which one ships).
        const next = j["nextPage"] ?? j["next_page"];
        if (typeof next !== "number" || next <= page) return ok(out);
        page = next;
      }
    },
    ops(z, rel, type, ttl, c) {
      const path = `/domains/${encodeURIComponent(z.id)}/records`;
      const record = (answer: string) => ({ host: rel, type, answer, ttl: Math.max(ttl ?? MIN_TTL, MIN_TTL) });
      return {
        async update(id, value) {
          return done(await call("PUT", `${path}/${encodeURIComponent(id)}`, c, record(value), { stale404: true }));
        },
        async create(value) {
          const r = await call("POST", path, c, record(value));
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
    (signal) => call("GET", "/domains?perPage=1", ctx(CHECK, signal)),
    (r, signal) => readIdRecords(r, api, str(settings, "zone").toLowerCase(), ctx(r.name, signal)),
  );
}
