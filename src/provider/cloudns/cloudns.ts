import type { DnsProvider, ProviderDeps, ProviderSettings } from "../types.js";
import { cloudnsSpec } from "./spec.js";
import { pushIdRecords, readIdRecords, ttlField, type IdRecord, type IdRecordApi } from "../kit/record-sets.js";
import { CHECK, authFailure, baseUrl, callJson, ctxFor, fail, isObject, malformed, ok, perUpdate, rateLimited, str, type Ctx, type Failure, type Result } from "../kit/rest.js";

/**
 * ClouDNS HTTP API (as lexicon, dnscontrol and acme.sh use it): every call is a form
 * POST to /dns/<method>.json carrying auth-id (or sub-auth-id) and auth-password, so
 * the password never sits in a URL. Failures come as HTTP 200 with
 * {"status":"Failed","statusDescription"}: bad credentials, a wrong TTL, and the
 * rate limit ("... more than 20 requests per second"). records.json answers an
 * object keyed by record id, or [] when nothing matches. TTL must be one of ClouDNS'
 * values: ddns uses the smallest allowed value not below the one asked.
 */
const TTLS = [60, 300, 900, 1800, 3600, 21600, 43200, 86400, 172800, 259200, 604800, 1209600, 2592000];
const DEFAULT_TTL = 3600;

export function allowedTtl(ttl: number | undefined): number {
  const want = ttl ?? DEFAULT_TTL;
  return TTLS.find((t) => t >= want) ?? TTLS[TTLS.length - 1]!;
}

export function createCloudns(settings: ProviderSettings, deps: ProviderDeps): DnsProvider {
  const base = baseUrl(settings, cloudnsSpec().defaultEndpoint);
  // One of auth-id, sub-auth-id, sub-auth-user identifies the API user (cloudns.net/wiki/article/42).
  const idKey = str(settings, "sub_auth_id") !== "" ? "sub_auth_id" : str(settings, "sub_auth_user") !== "" ? "sub_auth_user" : "auth_id";
  const auth = { [idKey.replace(/_/g, "-")]: str(settings, idKey) };
  const ctx = ctxFor(settings, `${idKey}/password`, deps.now);

  /** One API call; a "Failed" status becomes a failure, auth and rate limit recognised. */
  async function call(method: string, params: Record<string, string>, c: Ctx): Promise<Result<unknown>> {
    const body = new URLSearchParams({ ...auth, "auth-password": str(settings, "password"), ...params }).toString();
    const path = method.includes("/") ? method : `dns/${method}`;
    const r = await callJson(deps.http, { method: "POST", url: `${base}/${path}.json`, headers: { "content-type": "application/x-www-form-urlencoded" }, body }, c);
    if (!r.ok) return r;
    const j = r.value.json;
    if (isObject(j) && j["status"] === "Failed") return fail(failed(typeof j["statusDescription"] === "string" ? j["statusDescription"] : "", c));
    return ok(j);
  }

  function failed(why: string, c: Ctx): Failure {
    if (/authentication|auth-id|auth-password/i.test(why)) return authFailure(c, "Failed", why);
    if (/request blocked|requests per second|too many/i.test(why)) return rateLimited(c, 1000, why);
    return { kind: "permanent", reason: `cloudns refused the update of ${c.record}: ${why || "no reason given"}` };
  }

  const done = (r: Result<unknown>, c: Ctx): Result<void> =>
    !r.ok ? r : isObject(r.value) && r.value["status"] === "Success" ? ok(undefined) : fail(malformed(c, "no Success status"));

  const api: IdRecordApi = {
    // mod-record needs ttl (cloudns.net/wiki/article/60): the TTL the record has is written back.
    updateResetsTtl: true,
    zoneIsName: true,
    async probeZone(zone, c) {
      const r = await call("get-zone-info", { "domain-name": zone }, c);
      if (!r.ok) return r.failure.kind === "permanent" && r.failure.tableWide !== true ? ok(null) : r;
      return isObject(r.value) && r.value["name"] === zone ? ok(zone) : fail(malformed(c, "no zone name in the answer"));
    },
    async list(z, rel, type, c) {
      const r = await call("records", { "domain-name": z.id, host: rel, type }, c);
      if (!r.ok) return r;
      if (Array.isArray(r.value) && r.value.length === 0) return ok([]);
      if (!isObject(r.value)) return fail(malformed(c, "records is neither an object nor []"));
      const out: IdRecord[] = [];
      for (const rec of Object.values(r.value)) {
        if (!isObject(rec) || typeof rec["id"] !== "string" || typeof rec["record"] !== "string") return fail(malformed(c, "a record without id or record"));
        if (rec["type"] === type && rec["host"] === rel) out.push({ id: rec["id"], value: rec["record"], ...ttlField(rec["ttl"]) });
      }
      return ok(out);
    },
    ops(z, rel, type, ttl, c) {
      const common = { "domain-name": z.id, host: rel, ttl: String(allowedTtl(ttl)) };
      return {
        async update(id, value) {
          const r = await call("mod-record", { ...common, "record-id": id, record: value }, c);
          // A record id that is gone is refused like any other; look it up again once.
          if (!r.ok && r.failure.kind === "permanent" && /record/i.test(r.failure.reason) && r.failure.tableWide !== true) return fail({ ...r.failure, stale: true });
          return done(r, c);
        },
        async create(value) {
          const r = await call("add-record", { ...common, "record-type": type, record: value }, c);
          const d = done(r, c);
          if (!d.ok || !r.ok) return d.ok ? fail(malformed(c, "no status")) : d;
          // The id is in data.id where ClouDNS gives one; without it the next run lists again.
          const data = isObject(r.value) ? r.value["data"] : undefined;
          const id = isObject(data) ? data["id"] : undefined;
          return ok(typeof id === "number" || typeof id === "string" ? String(id) : "");
        },
        async remove(id) {
          return done(await call("delete-record", { "domain-name": z.id, "record-id": id }, c), c);
        },
      };
    },
  };

  return perUpdate(
    settings,
    (u, signal) => pushIdRecords(u, api, str(settings, "zone").toLowerCase(), ctx(u.name, signal)),
    (signal) => call("login/login", {}, ctx(CHECK, signal)),
    (r, signal) => readIdRecords(r, api, str(settings, "zone").toLowerCase(), ctx(r.name, signal)),
  );
}
