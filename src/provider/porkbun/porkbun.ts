import type { DnsProvider, ProviderDeps, ProviderSettings } from "../types.js";
import { porkbunSpec } from "./spec.js";
import { pushIdRecords, readIdRecords, ttlField, type IdRecord, type IdRecordApi } from "../kit/record-sets.js";
import { CHECK, authFailure, baseUrl, classifyStatus, ctxFor, excerpt, fail, isObject, jsonHeaders, malformed, ok, parseJson, perUpdate, send, str, type Ctx, type Result } from "../kit/rest.js";

/**
 * Porkbun API v3 (porkbun.com/api/json/v3/documentation, llms-full.txt): every call
 * is a POST whose JSON body carries apikey and secretapikey. Records:
 * /dns/retrieveByNameType/{zone}/{type}/{sub} (fields are strings), /dns/edit/{zone}/{id},
 * /dns/create/{zone} (answers {"status":"SUCCESS","id":<number>}), /dns/delete/{zone}/{id}.
 * Failures are HTTP 400 {"status":"ERROR","message"}, e.g. "Invalid API key. (002)" or
 * "Invalid domain." (also when API access is off for the domain). TTL minimum 600.
 */
const MIN_TTL = 600;

export function createPorkbun(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, porkbunSpec().defaultEndpoint);
  const keys = { apikey: str(settings, "apikey"), secretapikey: str(settings, "secretapikey") };
  const ctx = ctxFor(settings, "apikey/secretapikey", deps.now);

  async function call(path: string, extra: Record<string, unknown>, c: Ctx): Promise<Result<Record<string, unknown>>> {
    const r = await send(deps.http, { method: "POST", url: `${base}${path}`, headers: jsonHeaders({ accept: "application/json" }), body: JSON.stringify({ ...keys, ...extra }) }, c.signal, c);
    if (!r.ok) return r;
    const j = parseJson(r.value.body);
    if (isObject(j) && j["status"] === "ERROR" && r.value.status < 500 && r.value.status !== 429) {
      const msg = excerpt(typeof j["message"] === "string" ? j["message"] : "");
      if (/api key|apikey|secret/i.test(msg)) return fail(authFailure(c, `HTTP ${r.value.status}`, msg));
      if (/invalid domain/i.test(msg)) {
        return fail({ kind: "permanent", reason: `porkbun does not manage ${c.record} in this account (${msg}): check the zone and that API access is on for the domain` });
      }
      return fail({ kind: "permanent", reason: `porkbun refused the update of ${c.record} (${msg})` });
    }
    const failure = classifyStatus(r.value, c, isObject(j) && typeof j["message"] === "string" ? excerpt(j["message"]) : "");
    if (failure !== null) return fail(failure);
    return isObject(j) && j["status"] === "SUCCESS" ? ok(j) : fail(malformed(c, "no SUCCESS status"));
  }

  const path = (...parts: string[]) => parts.map(encodeURIComponent).join("/");
  const withTtl = (b: Record<string, unknown>, ttl: number | undefined) => (ttl === undefined ? b : { ...b, ttl: String(Math.max(ttl, MIN_TTL)) });

  async function retrieve(zone: string, type: string, rel: string, c: Ctx): Promise<Result<IdRecord[]>> {
    // The apex is an empty last segment, so the path ends in "/".
    const r = await call(`/dns/retrieveByNameType/${path(zone, type)}/${encodeURIComponent(rel)}`, {}, c);
    if (!r.ok) return r;
    const records = r.value["records"];
    if (!Array.isArray(records)) return fail(malformed(c, "no records"));
    const out: IdRecord[] = [];
    for (const rec of records) {
      if (!isObject(rec) || typeof rec["id"] !== "string" || typeof rec["content"] !== "string") return fail(malformed(c, "a record without id or content"));
      out.push({ id: rec["id"], value: rec["content"], ...ttlField(rec["ttl"]) });
    }
    return ok(out);
  }

  const api: IdRecordApi = {
    // Porkbun's edit: "ttl ... Minimum and default is 600 seconds" (porkbun.com/api/json/v3/documentation): left out, it resets.
    updateResetsTtl: true,
    zoneIsName: true,
    async probeZone(zone, c) {
      const r = await retrieve(zone, "A", "", c);
      if (r.ok) return ok(zone);
      return r.failure.kind === "permanent" && r.failure.tableWide !== true && /Invalid domain/i.test(r.failure.reason) ? ok(null) : r;
    },
    list: (z, rel, type, c) => retrieve(z.id, type, rel, c),
    // Porkbun parks a new domain with "ALIAS domain.tld -> pixie.porkbun.com" and
    // "CNAME *.domain.tld -> pixie.porkbun.com" (ddns-updater docs/porkbun.md, qdm12/ddns-updater#774,
    // seen on a new domain); a create next to them fails with a bare 400. Asked before a first create only.
    async conflicts(z, rel, c) {
      const out: Array<{ type: string; value: string }> = [];
      for (const type of ["CNAME", "ALIAS"]) {
        const r = await retrieve(z.id, type, rel, c);
        if (!r.ok) return r;
        for (const rec of r.value) out.push({ type, value: rec.value });
      }
      return ok(out);
    },
    ops(z, rel, type, ttl, c) {
      return {
        async update(id, value) {
          const r = await call(`/dns/edit/${path(z.id, id)}`, withTtl({ name: rel, type, content: value }, ttl), c);
          // An edit of an id that is gone is refused like any bad edit: look it up again once.
          if (!r.ok && r.failure.kind === "permanent" && r.failure.tableWide !== true) return fail({ ...r.failure, stale: true });
          return r.ok ? ok(undefined) : r;
        },
        async create(value) {
          const r = await call(`/dns/create/${path(z.id)}`, withTtl({ name: rel, type, content: value }, ttl), c);
          if (!r.ok) return r;
          const id = r.value["id"];
          return typeof id === "number" || typeof id === "string" ? ok(String(id)) : fail(malformed(c, "created record without id"));
        },
        async remove(id) {
          const r = await call(`/dns/delete/${path(z.id, id)}`, {}, c);
          return r.ok ? ok(undefined) : r;
        },
      };
    },
  };

  return perUpdate(
    settings,
    (u, signal) => pushIdRecords(u, api, str(settings, "zone").toLowerCase(), ctx(u.name, signal)),
    (signal) => call("/ping", {}, ctx(CHECK, signal)),
    (r, signal) => readIdRecords(r, api, str(settings, "zone").toLowerCase(), ctx(r.name, signal)),
  );
}
