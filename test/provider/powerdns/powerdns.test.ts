import { describe, it, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createPowerdns } from "../../../src/provider/powerdns/powerdns.js";
import { powerdnsSpec } from "../../../src/provider/powerdns/spec.js";
import { createHttpClient } from "../../../src/net/http.js";
import type { HttpClient } from "../../../src/net/types.js";
import type { DnsProvider, PushOutcome, RecordUpdate } from "../../../src/provider/types.js";
import { startPdns, type PdnsServer } from "../../helpers/pdns.js";
import { startMockApi, testSettings, type MockApi } from "../../helpers/mock-api.js";
import { scannedProvider } from "../../helpers/record-api-suite.js";

const upd = (name: string, family: "ipv4" | "ipv6", addresses: string[], cache?: Record<string, string>, extra: Partial<RecordUpdate> = {}): RecordUpdate => ({
  key: `${name}/${family}`,
  name,
  family,
  addresses,
  previous: null,
  ...(cache ? { cache } : {}),
  ...extra,
});
/** A record ddns published before, with a configured TTL: no read is needed. */
const known = { ttl: 300, previous: ["192.0.2.250"] };
const signal = (): AbortSignal => AbortSignal.timeout(5000);

/** The real HTTP client, counting what goes out. */
function countingHttp(): { http: HttpClient; seen: string[] } {
  const real = createHttpClient({ userAgent: "ddns/test" });
  const seen: string[] = [];
  return {
    seen,
    http: {
      request: (r) => {
        const u = new URL(r.url);
        seen.push(`${r.method} ${u.pathname}${u.search}`);
        return real.request(r);
      },
    },
  };
}

function outcome(m: Map<string, PushOutcome>, key: string): PushOutcome {
  const o = m.get(key);
  assert.ok(o, `no outcome for ${key}`);
  return o;
}

describe("Provider - powerdns against pdns_server", () => {
  let pdns: PdnsServer;
  let seen: string[] = [];
  const make = (values: Record<string, string> = {}): DnsProvider => {
    const c = countingHttp();
    seen = c.seen;
    // Every outcome, verify result and error is scanned for the key given and the server's.
    return scannedProvider(
      testSettings("powerdns", { api_key: pdns.apiKey, endpoint: pdns.api, ...values }, ["api_key"]),
      (s) => createPowerdns(s, { http: c.http, now: () => Date.now(), userAgent: "ddns/test" }),
      [pdns.apiKey],
    );
  };

  before(async () => {
    pdns = await startPdns();
    await pdns.createZone("example.org");
  });
  after(async () => {
    await pdns?.stop();
  });

  it("record changed and deleted behind ddns's back/readRecords/one GET per zone, found what the server serves; repair one PATCH", async () => {
    const p = make({ zone: "example.org" });
    await p.push([upd("drift.example.org", "ipv4", ["192.0.2.70"]), upd("drift.example.org", "ipv6", ["2001:db8::70"])], signal());
    // Behind ddns's back: the A record changed, the AAAA record deleted (through the API, as a dashboard would).
    await make({ zone: "example.org" }).push([upd("drift.example.org", "ipv4", ["192.0.2.99"])], signal());
    const raw = await fetchJson(`${pdns.api}/servers/localhost/zones/example.org.`, "PATCH", pdns.apiKey, { rrsets: [{ name: "drift.example.org.", type: "AAAA", changetype: "DELETE" }] });
    assert.equal(raw, 204);
    const reader = make({ zone: "example.org" });
    const r = { key: "drift.example.org/ipv4", name: "drift.example.org", family: "ipv4" as const };
    const out = await reader.readRecords!([r, { ...r, key: "drift.example.org/ipv6", family: "ipv6" }], signal());
    // The A RRset's TTL comes back in the cache (the engine keeps it), so the repair needs no read.
    assert.deepEqual(out.get("drift.example.org/ipv4"), { kind: "found", addresses: ["192.0.2.99"], cache: { ttl: "300" } });
    assert.deepEqual(out.get("drift.example.org/ipv6"), { kind: "found", addresses: [] });
    assert.equal(seen.length, 1, seen.join(", "));
    assert.ok(seen[0]!.startsWith("GET /api/v1/servers/localhost/zones/example.org."));
    const fix = make({ zone: "example.org" });
    await fix.push([{ ...upd("drift.example.org", "ipv4", ["192.0.2.70"], { ttl: "300" }), previous: ["192.0.2.99"] }, { ...upd("drift.example.org", "ipv6", ["2001:db8::70"]), previous: [] }], signal());
    assert.equal(seen.length, 1, "both repairs in one PATCH");
    assert.deepEqual(await pdns.query("drift.example.org", "A"), ["192.0.2.70"]);
    assert.deepEqual(await pdns.query("drift.example.org", "AAAA"), ["2001:db8::70"]);
  });

  it("wrong api_key/readRecords/unknown naming the key, nothing concluded", async () => {
    const out = await make({ api_key: "wrong-key-0123", zone: "example.org" }).readRecords!([{ key: "x.example.org/ipv4", name: "x.example.org", family: "ipv4" }], signal());
    const o = out.get("x.example.org/ipv4");
    assert.equal(o?.kind, "unknown");
    assert.match(o?.kind === "unknown" ? o.reason : "", /HTTP 401.*api_key/);
  });

  it("no zone key, new record/push/zone found, its RRset read (none), one PATCH, served over DNS, zone id cached", async () => {
    const out = await make().push([upd("home.example.org", "ipv4", ["192.0.2.10"])], signal());
    assert.deepEqual(outcome(out, "home.example.org/ipv4"), { kind: "updated", cache: { zone: "example.org.", ttl: "300" } });
    assert.deepEqual(seen, [
      "GET /api/v1/servers/localhost/zones?zone=home.example.org.",
      "GET /api/v1/servers/localhost/zones?zone=example.org.",
      "GET /api/v1/servers/localhost/zones/example.org.?rrset_name=home.example.org.&rrset_type=A",
      "PATCH /api/v1/servers/localhost/zones/example.org.",
    ]);
    assert.deepEqual(await pdns.query("home.example.org", "A"), ["192.0.2.10"]);
  });

  it("cached zone id, changed addresses for both families/push/one PATCH, old address gone", async () => {
    const cache = { zone: "example.org." };
    const out = await make().push(
      [upd("home.example.org", "ipv4", ["192.0.2.11", "192.0.2.12"], cache, known), upd("home.example.org", "ipv6", ["2001:db8::11"], cache, known)],
      signal(),
    );
    assert.deepEqual(seen, ["PATCH /api/v1/servers/localhost/zones/example.org."]);
    assert.equal(outcome(out, "home.example.org/ipv4").kind, "updated");
    assert.equal(outcome(out, "home.example.org/ipv6").kind, "updated");
    assert.deepEqual(await pdns.query("home.example.org", "A"), ["192.0.2.11", "192.0.2.12"]);
    assert.deepEqual(await pdns.query("home.example.org", "AAAA"), ["2001:db8::11"]);
  });

  it("zone key set/push/no zone lookup, one read for the TTL, apex works", async () => {
    const out = await make({ zone: "example.org" }).push([upd("example.org", "ipv4", ["198.51.100.1"])], signal());
    assert.deepEqual(outcome(out, "example.org/ipv4"), { kind: "updated", cache: { ttl: "300" } });
    assert.deepEqual(seen, ["GET /api/v1/servers/localhost/zones/example.org.?rrset_name=example.org.&rrset_type=A", "PATCH /api/v1/servers/localhost/zones/example.org."]);
    assert.deepEqual(await pdns.query("example.org", "A"), ["198.51.100.1"]);
  });

  it("same addresses again/push/updated (PowerDNS answers 204 either way), zone unchanged", async () => {
    const p = make({ zone: "example.org" });
    await p.push([upd("same.example.org", "ipv6", ["2001:db8::5"])], signal());
    const out = await p.push([upd("same.example.org", "ipv6", ["2001:db8::5"])], signal());
    assert.equal(outcome(out, "same.example.org/ipv6").kind, "updated");
    assert.deepEqual(await pdns.query("same.example.org", "AAAA"), ["2001:db8::5"]);
  });

  it("stale cached zone id/push/looked up again once, updated with the new id", async () => {
    const out = await make().push([upd("stale.example.org", "ipv4", ["192.0.2.44"], { zone: "old-zone.example." }, known)], signal());
    assert.deepEqual(outcome(out, "stale.example.org/ipv4"), { kind: "updated", cache: { zone: "example.org.", ttl: "300" } });
    assert.equal(seen[0], "PATCH /api/v1/servers/localhost/zones/old-zone.example.");
    assert.equal(seen.at(-1), "PATCH /api/v1/servers/localhost/zones/example.org.");
    assert.deepEqual(await pdns.query("stale.example.org", "A"), ["192.0.2.44"]);
  });

  it("existing RRset with its own TTL, none configured/push/address replaced, TTL kept", async () => {
    const h = { "x-api-key": pdns.apiKey, "content-type": "application/json" };
    const z = `${pdns.api}/servers/localhost/zones/example.org.`;
    const put = await fetch(z, { method: "PATCH", headers: h, body: JSON.stringify({ rrsets: [{ name: "ttl.example.org.", type: "A", ttl: 7200, changetype: "REPLACE", records: [{ content: "192.0.2.70", disabled: false }] }] }) });
    assert.equal(put.status, 204);
    const o = outcome(await make({ zone: "example.org" }).push([upd("ttl.example.org", "ipv4", ["192.0.2.71"])], signal()), "ttl.example.org/ipv4");
    assert.deepEqual(o, { kind: "updated", cache: { ttl: "7200" } }, "the kept TTL is remembered: the next change needs no read");
    seen.length = 0;
    await make({ zone: "example.org" }).push([upd("ttl.example.org", "ipv4", ["192.0.2.72"], { ttl: "7200" }, { previous: ["192.0.2.71"] })], signal());
    assert.deepEqual(seen, ["PATCH /api/v1/servers/localhost/zones/example.org."]);
    const got = (await (await fetch(`${z}?rrset_name=ttl.example.org.&rrset_type=A`, { headers: h })).json()) as { rrsets: Array<{ ttl: number; records: Array<{ content: string }> }> };
    assert.equal(got.rrsets[0]?.ttl, 7200);
    assert.deepEqual(got.rrsets[0]?.records.map((r) => r.content), ["192.0.2.72"]);
  });

  it("round robin someone else keeps/first push/refused naming both records, nothing changed", async () => {
    const h = { "x-api-key": pdns.apiKey, "content-type": "application/json" };
    const z = `${pdns.api}/servers/localhost/zones/example.org.`;
    await fetch(z, { method: "PATCH", headers: h, body: JSON.stringify({ rrsets: [{ name: "rr.example.org.", type: "A", ttl: 300, changetype: "REPLACE", records: [{ content: "192.0.2.81", disabled: false }, { content: "192.0.2.82", disabled: false }] }] }) });
    const o = outcome(await make({ zone: "example.org" }).push([upd("rr.example.org", "ipv4", ["192.0.2.90"])], signal()), "rr.example.org/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /2 A records for rr\.example\.org \(192\.0\.2\.81, 192\.0\.2\.82\)/);
    assert.ok(seen.every((x) => x.startsWith("GET ")));
    assert.deepEqual(await pdns.query("rr.example.org", "A"), ["192.0.2.81", "192.0.2.82"]);
  });

  it("wrong api_key, two records/push/permanent for both after one request, key not echoed", async () => {
    const p = make({ api_key: "wrong-key-0123" });
    const out = await p.push([upd("a.example.org", "ipv4", ["192.0.2.1"]), upd("b.example.org", "ipv4", ["192.0.2.2"])], signal());
    assert.equal(seen.length, 1);
    for (const k of ["a.example.org/ipv4", "b.example.org/ipv4"]) {
      const o = outcome(out, k);
      assert.equal(o.kind, "permanent");
      assert.match(o.kind === "permanent" ? o.reason : "", /HTTP 401.*api_key/);
    }
  });

  it("name in no zone of the server/push/permanent", async () => {
    const out = await make().push([upd("home.example.com", "ipv4", ["192.0.2.1"])], signal());
    const o = outcome(out, "home.example.com/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /no zone holding home\.example\.com/);
  });

  it("configured zone the server lacks/push/permanent 404", async () => {
    const out = await make({ zone: "missing.example" }).push([upd("h.missing.example", "ipv4", ["192.0.2.1"])], signal());
    const o = outcome(out, "h.missing.example/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /404/);
  });

  it("nothing due/push/no request", async () => {
    const out = await make().push([], signal());
    assert.equal(out.size, 0);
    assert.deepEqual(seen, []);
  });

  it("name outside the configured zone/push/permanent, no request", async () => {
    const out = await make({ zone: "example.org" }).push([upd("h.example.net", "ipv4", ["192.0.2.1"])], signal());
    assert.equal(outcome(out, "h.example.net/ipv4").kind, "permanent");
    assert.deepEqual(seen, []);
  });

  it("good key/verify/ok; wrong key/verify/reason", async () => {
    assert.deepEqual(await make().verify!(signal()), { ok: true });
    const bad = await make({ api_key: "nope-nope" }).verify!(signal());
    assert.equal(bad.ok, false);
  });
});

describe("Provider - powerdns error answers (strict mock)", () => {
  const KEY = "mock-key-5f1c";
  let mock: MockApi;
  afterEach(async () => {
    assert.deepEqual(mock.violations, []);
    await mock.close();
  });
  /** Checks what pdns checks: the key, the path, the JSON body of a PATCH. */
  const start = (patchReply: () => { status: number; headers?: Record<string, string>; body?: string | object }) =>
    startMockApi((req, violate) => {
      if (req.headers["x-api-key"] !== KEY) return { status: 401, headers: { "www-authenticate": 'X-API-Key realm="PowerDNS"' }, body: { error: "Unauthorized" } };
      if (req.method === "PATCH" && req.path === "/api/v1/servers/localhost/zones/example.org.") {
        const body = JSON.parse(req.body) as { rrsets: { name: string; ttl: number; changetype: string }[] };
        if (!body.rrsets.every((r) => r.name.endsWith(".") && r.changetype === "REPLACE" && Number.isInteger(r.ttl))) return violate("rrset shape");
        return patchReply();
      }
      return violate("unexpected request");
    });
  const deps = () => ({ http: createHttpClient({ userAgent: "ddns/test" }), now: () => 0, userAgent: "ddns/test" });
  const make = (values: Record<string, string> = { zone: "example.org" }) =>
    scannedProvider(testSettings("powerdns", { api_key: KEY, endpoint: `${mock.url}/api/v1`, ...values }, ["api_key"]), (s) => createPowerdns(s, deps()), [KEY]);

  it("429 with Retry-After from a proxy/push/transient, retry time honoured", async () => {
    mock = await start(() => ({ status: 429, headers: { "retry-after": "120" }, body: "Too Many Requests" }));
    const o = outcome(await make().push([upd("h.example.org", "ipv4", ["192.0.2.1"], undefined, known)], signal()), "h.example.org/ipv4");
    assert.equal(o.kind, "transient");
    assert.equal(o.kind === "transient" ? o.retryAfterMs : 0, 120_000);
  });

  it("422 with pdns's error/push/permanent quoting it", async () => {
    mock = await start(() => ({ status: 422, body: { error: "RRset h.example.org. IN A: Name is out of zone" } }));
    const o = outcome(await make().push([upd("h.example.org", "ipv4", ["192.0.2.1"], undefined, known)], signal()), "h.example.org/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /422.*out of zone/);
  });

  it("500/push/transient", async () => {
    mock = await start(() => ({ status: 500, body: { error: "Internal Server Error" } }));
    const o = outcome(await make().push([upd("h.example.org", "ipv4", ["192.0.2.1"], undefined, known)], signal()), "h.example.org/ipv4");
    assert.equal(o.kind, "transient");
  });

  it("zone list not JSON/push without zone key/transient malformed", async () => {
    mock = await startMockApi((req, violate) =>
      req.method === "GET" && req.path === "/api/v1/servers/localhost/zones" && req.headers["x-api-key"] === KEY ? { status: 200, body: "<html>proxy</html>" } : violate("unexpected"),
    );
    const o = outcome(await make({}).push([upd("h.example.org", "ipv4", ["192.0.2.1"])], signal()), "h.example.org/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /malformed/);
  });

  it("spec/keys/api_key secret and required, server_id defaults to localhost", () => {
    assert.deepEqual(
      powerdnsSpec().keys.map((k) => [k.name, k.kind, k.required ?? false]),
      [["api_key", "secret", true], ["server_id", "string", false], ["zone", "string", false]],
    );
  });
});

/** The fixture's own API call (not the code under test): changes behind ddns's back. */
async function fetchJson(url: string, method: string, apiKey: string, body: object): Promise<number> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { "x-api-key": apiKey, "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}
