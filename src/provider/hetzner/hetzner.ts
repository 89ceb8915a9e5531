import type { DnsProvider, ProviderDeps, ProviderSettings } from "../types.js";
import { hetznerSpec } from "./spec.js";
import { pushRrset, readRrset, type RrsetApi } from "../kit/record-sets.js";
import { CHECK, baseUrl, ctxFor, fail, isObject, jsonApi, malformed, ok, perUpdate, pick, probeByGet, seg, str, type Ctx, type Result } from "../kit/rest.js";

/**
 * Hetzner DNS through the Cloud API (docs.hetzner.cloud/reference/cloud, zones and
 * zone-rrsets; hcloud-go's schema): Bearer project token. The zone path takes its id
 * or name. RRsets by relative name ("@" apex) and type: GET .../rrsets/{name}/{type};
 * POST .../actions/set_records {"records":[{"value"}]} replaces the values (201 with
 * an action); a missing RRset (404) is created with POST /zones/{zone}/rrsets. Actions
 * run asynchronously: one that is "running" is taken as accepted, "error" is a
 * failure. Errors are {"error":{"code","message"}}; 429 rate_limit_exceeded with
 * RateLimit-Reset. The legacy dns.hetzner.com API is retired and not spoken here.
 */
export function createHetzner(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, hetznerSpec().defaultEndpoint);
  const auth = { authorization: `Bearer ${str(settings, "token")}` };
  const ctx = ctxFor(settings, "token", deps.now);

  const call = jsonApi(deps.http, base, auth);
  const rrset = (z: string, rel: string, type: string) => `/zones/${seg(z)}/rrsets/${seg(rel === "" ? "@" : rel)}/${type}`;

  /** An action answer: running or success is accepted, error is a transient failure. */
  function actionResult(json: unknown, c: Ctx): Result<void> {
    const a = isObject(json) ? json["action"] : undefined;
    if (!isObject(a) || typeof a["status"] !== "string") return fail(malformed(c, "no action"));
    if (a["status"] !== "error") return ok(undefined);
    const e = isObject(a["error"]) && typeof a["error"]["message"] === "string" ? a["error"]["message"] : "no reason given";
    return fail({ kind: "transient", reason: `hetzner could not apply the change to ${c.record}: ${e}; will try again` });
  }

  const api: RrsetApi = {
    zoneIsName: true,
    // "zone" may be the zone's id (the Console shows it; the API path takes id or name).
    zoneNameOf: (id, c) => probeByGet(call, `/zones/${seg(id)}`, c, (j) => (String(pick(j, "zone", "id")) === id && typeof pick(j, "zone", "name") === "string" ? (pick(j, "zone", "name") as string).toLowerCase() : null)),
    probeZone: (zone, c) => probeByGet(call, `/zones/${seg(zone)}`, c, (j) => (pick(j, "zone", "name") === zone && typeof pick(j, "zone", "id") === "number" ? String(pick(j, "zone", "id")) : null)),
    async read(z, rel, type, c) {
      const r = await call("GET", rrset(z.id, rel, type), c, undefined, { allow404: true });
      if (!r.ok) return r;
      if (r.value.status === 404) return ok(null);
      const set = isObject(r.value.json) ? r.value.json["rrset"] : undefined;
      const records = isObject(set) ? set["records"] : undefined;
      if (!Array.isArray(records) || !records.every((x) => isObject(x) && typeof x["value"] === "string")) return fail(malformed(c, "no rrset records"));
      const values = records.map((x) => (x as Record<string, string>)["value"]!);
      const ttl = isObject(set) ? set["ttl"] : undefined;
      return ok(typeof ttl === "number" ? { values, ttl } : { values });
    },
    async write(z, rel, type, values, ttl, exists, c, currentTtl) {
      const records = values.map((value) => ({ value }));
      if (exists !== false) {
        const r = await call("POST", `${rrset(z.id, rel, type)}/actions/set_records`, c, { records }, { allow404: true });
        if (!r.ok) return r;
        if (r.value.status !== 404) {
          const a = actionResult(r.value.json, c);
          // set_records keeps the RRset's TTL: a configured TTL that differs is applied with change_ttl.
          if (!a.ok || ttl === undefined || ttl === currentTtl) return a;
          const t = await call("POST", `${rrset(z.id, rel, type)}/actions/change_ttl`, c, { ttl });
          return t.ok ? actionResult(t.value.json, c) : t;
        }
      }
      const body = { name: rel === "" ? "@" : rel, type, records, ...(ttl === undefined ? {} : { ttl }) };
      const r = await call("POST", `/zones/${seg(z.id)}/rrsets`, c, body);
      return r.ok ? actionResult(r.value.json, c) : r;
    },
  };

  return perUpdate(
    settings,
    (u, signal) => pushRrset(u, api, str(settings, "zone").toLowerCase(), ctx(u.name, signal)),
    (signal) => call("GET", "/zones?per_page=1", ctx(CHECK, signal)),
    (r, signal) => readRrset(r, api, str(settings, "zone").toLowerCase(), ctx(r.name, signal)),
  );
}
