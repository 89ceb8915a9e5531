import type { DnsProvider, ProviderDeps, ProviderSettings } from "../types.js";
import { gandiSpec } from "./spec.js";
import { pushRrset, readRrset, type RrsetApi } from "../kit/record-sets.js";
import { CHECK, baseUrl, ctxFor, done, fail, isObject, jsonApi, malformed, ok, perUpdate, pick, probeByGet, seg, str } from "../kit/rest.js";

/**
 * Gandi LiveDNS v5 (api.gandi.net/docs/livedns, authentication page): `Authorization:
 * Bearer <PAT>`, or the deprecated `Apikey <key>`. RRsets are addressed by name ("@"
 * apex) and type: GET gives {"rrset_values","rrset_ttl",...} or 404; PUT
 * {"rrset_values","rrset_ttl"?} replaces or creates it (without rrset_ttl the
 * RRset gets Gandi's default TTL, so an unconfigured TTL is read and written back) and answers 201 {"message":
 * "DNS Record Created"} either way, so Gandi cannot tell unchanged from updated.
 * Errors are {"code","message","object","cause"}. TTL minimum 300.
 */
const MIN_TTL = 300;

export function createGandi(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, gandiSpec().defaultEndpoint);
  const token = str(settings, "token");
  const auth = { authorization: token !== "" ? `Bearer ${token}` : `Apikey ${str(settings, "api_key")}` };
  const ctx = ctxFor(settings, token !== "" ? "token" : "api_key", deps.now);

  const call = jsonApi(deps.http, base, auth);
  const rrset = (z: string, rel: string, type: string) => `/domains/${seg(z)}/records/${seg(rel === "" ? "@" : rel)}/${type}`;

  const api: RrsetApi = {
    zoneIsName: true,
    probeZone: (zone, c) => probeByGet(call, `/domains/${encodeURIComponent(zone)}`, c, (j) => (pick(j, "fqdn") === zone ? zone : null)),
    async read(z, rel, type, c) {
      const r = await call("GET", rrset(z.id, rel, type), c, undefined, { allow404: true });
      if (!r.ok) return r;
      if (r.value.status === 404) return ok(null);
      const values = isObject(r.value.json) ? r.value.json["rrset_values"] : undefined;
      const ttl = isObject(r.value.json) ? r.value.json["rrset_ttl"] : undefined;
      if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) return fail(malformed(c, "no rrset_values"));
      return ok(typeof ttl === "number" ? { values: values as string[], ttl } : { values: values as string[] });
    },
    // PUT replaces the RRset; without rrset_ttl it falls back to Gandi's default (10800).
    writeResetsTtl: true,
    async write(z, rel, type, values, ttl, _exists, c) {
      const body = { rrset_values: values, ...(ttl === undefined ? {} : { rrset_ttl: Math.max(ttl, MIN_TTL) }) };
      return done(await call("PUT", rrset(z.id, rel, type), c, body));
    },
  };

  return perUpdate(settings, (u, signal) => {
    const c = ctx(u.name, signal);
    if (token === "" && str(settings, "api_key") === "") {
      return Promise.resolve({ kind: "permanent", reason: `no Gandi credential for ${u.name}: set token in [providers.${settings.name}]` });
    }
    return pushRrset(u, api, str(settings, "zone").toLowerCase(), c);
  }, (signal) => call("GET", "/domains", ctx(CHECK, signal)), (r, signal) => readRrset(r, api, str(settings, "zone").toLowerCase(), ctx(r.name, signal)));
}
