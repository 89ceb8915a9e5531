import type { DnsProvider, ProviderDeps, ProviderSettings } from "../types.js";
import { godaddySpec } from "./spec.js";
import { pushRrset, readRrset, type RrsetApi } from "../kit/record-sets.js";
import { CHECK, baseUrl, ctxFor, done, fail, isObject, jsonApi, malformed, ok, perUpdate, pick, probeByGet, seg, str, type JsonCall } from "../kit/rest.js";

/**
 * GoDaddy Domains API v1 (developer.godaddy.com/doc/endpoint/domains, as ddclient,
 * lexicon and ddns-updater use it): `Authorization: sso-key KEY:SECRET`. GET
 * /v1/domains/{d}/records/{type}/{name} gives a JSON array; PUT on the same path with
 * [{"data","ttl"}] replaces every record of that name and type (creating them) and
 * answers 200 with an empty body. Errors are {"code","message"}; since 2024 accounts
 * below GoDaddy's size threshold get 403 ACCESS_DENIED; 429 may carry retryAfterSec
 * in the body (UNVERIFIED) besides Retry-After. TTL minimum 600. Limit 60 req/min.
 */
const MIN_TTL = 600;

export function createGodaddy(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, godaddySpec().defaultEndpoint);
  const auth = { authorization: `sso-key ${str(settings, "key")}:${str(settings, "secret")}` };
  const ctx = ctxFor(settings, "key/secret", deps.now);

  const plain = jsonApi(deps.http, base, auth);
  const call: JsonCall = async (method, path, c, body, opts = {}) => {
    const r = await plain(method, path, c, body, opts);
    if (r.ok) return r;
    const f = r.failure;
    if (f.kind === "permanent" && /not allowed access|ACCESS_DENIED/i.test(f.reason)) {
      return fail({
        ...f,
        reason: `godaddy refused DNS API access for ${c.record} (HTTP 403: Authenticated user is not allowed access): GoDaddy opens its DNS API only to larger accounts; check key/secret in [providers.${c.table}]`,
      });
    }
    return r;
  };

  const api: RrsetApi = {
    zoneIsName: true,
    probeZone: (zone, c) => probeByGet(call, `/v1/domains/${seg(zone)}`, c, (j) => (pick(j, "domain") === zone ? zone : null)),
    async read(z, rel, type, c) {
      const r = await call("GET", `/v1/domains/${seg(z.id)}/records/${type}/${seg(rel === "" ? "@" : rel)}`, c);
      if (!r.ok) return r;
      const list = r.value.json;
      if (!Array.isArray(list) || !list.every((x) => isObject(x) && typeof x["data"] === "string")) return fail(malformed(c, "not an array of records"));
      if (list.length === 0) return ok(null);
      const ttl = (list[0] as Record<string, unknown>)["ttl"];
      const values = list.map((x) => (x as Record<string, string>)["data"]!);
      return ok(typeof ttl === "number" ? { values, ttl } : { values });
    },
    // PUT replaces every record of the name and type: a record without ttl gets GoDaddy's default.
    writeResetsTtl: true,
    async write(z, rel, type, values, ttl, _exists, c) {
      const body = values.map((data) => (ttl === undefined ? { data } : { data, ttl: Math.max(ttl, MIN_TTL) }));
      return done(await call("PUT", `/v1/domains/${seg(z.id)}/records/${type}/${seg(rel === "" ? "@" : rel)}`, c, body, { empty: true }));
    },
  };

  return perUpdate(
    settings,
    (u, signal) => pushRrset(u, api, str(settings, "zone").toLowerCase(), ctx(u.name, signal)),
    (signal) => call("GET", "/v1/domains?limit=1", ctx(CHECK, signal)),
    (r, signal) => readRrset(r, api, str(settings, "zone").toLowerCase(), ctx(r.name, signal)),
  );
}
