import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createHetzner } from "../../../src/provider/hetzner/hetzner.js";
import { startHetzner } from "../../helpers/hetzner-server.js";
import { TEST_NOW, testDeps, testSettings } from "../../helpers/mock-api.js";
import { reasonOf, recordApiSuite, scannedProvider, type SuiteMock, update } from "../../helpers/record-api-suite.js";

const TOKEN = "hcloudTOKENjK3l4m5n6o7p8q9r0s1t2u3v4w5x6y7z8A9B0C1D2E3F4G5H6I7J8K9L0";
const provider = (m: SuiteMock, values: Record<string, string> = {}) =>
  scannedProvider(testSettings("hetzner", { token: TOKEN, endpoint: `${m.url}/v1`, ...values }, ["token"]), (s) => createHetzner(s, testDeps()), [TOKEN]);

describe("Provider - hetzner", () => {
  let mock: SuiteMock;
  afterEach(async () => {
    await mock.close();
    assert.deepEqual(mock.violations, []);
  });

  it("no rrset, no cache/push/zone id cached, rrset created with ttl", async () => {
    mock = await startHetzner(TOKEN, "example.org", []);
    const out = await provider(mock).push([update(["2001:db8::7"], { ttl: 300 })], AbortSignal.timeout(5000));
    const o = out.get("home.example.org/ipv6");
    assert.deepEqual(o, { kind: "updated", cache: { zone: "example.org", zoneId: "4711", ttl: "300" } });
    assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /v1/zones/home.example.org",
      "GET /v1/zones/example.org",
      "GET /v1/zones/4711/rrsets/home/AAAA",
      "POST /v1/zones/4711/rrsets",
    ]);
    assert.deepEqual(JSON.parse(mock.requests[3]!.body), { name: "home", type: "AAAA", records: [{ value: "2001:db8::7" }], ttl: 300 });
  });

  it("state known/push the apex/one set_records action", async () => {
    mock = await startHetzner(TOKEN, "example.org", [{ name: "", type: "A", value: "203.0.113.1" }]);
    const u = update(["203.0.113.7"], { name: "example.org", key: "example.org/ipv4", previous: ["203.0.113.1"], cache: { zone: "example.org", zoneId: "4711" } });
    await provider(mock).push([u], AbortSignal.timeout(5000));
    assert.deepEqual(mock.requests.map((r) => [r.method, r.path, r.body]), [["POST", "/v1/zones/4711/rrsets/@/A/actions/set_records", '{"records":[{"value":"203.0.113.7"}]}']]);
  });

  it("zone given as its id/push, no cache/the zone's name asked once by id, rrset read and written by id, both cached", async () => {
    mock = await startHetzner(TOKEN, "example.org", [{ name: "home", type: "A", value: "203.0.113.1" }]);
    const o = (await provider(mock, { zone: "4711" }).push([update(["203.0.113.7"])], AbortSignal.timeout(5000))).get("home.example.org/ipv4");
    assert.equal(o?.kind, "updated", reasonOf(o));
    assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.path}`), [
      "GET /v1/zones/4711",
      "GET /v1/zones/4711/rrsets/home/A",
      "POST /v1/zones/4711/rrsets/home/A/actions/set_records",
    ]);
    assert.deepEqual(o?.kind === "updated" ? o.cache : undefined, { zone: "example.org", zoneId: "4711" });
    // Next run, cached: one request.
    mock.requests.length = 0;
    const again = update(["203.0.113.8"], { previous: ["203.0.113.7"], cache: { zone: "example.org", zoneId: "4711" } });
    await provider(mock, { zone: "4711" }).push([again], AbortSignal.timeout(5000));
    assert.deepEqual(mock.requests.map((r) => r.path), ["/v1/zones/4711/rrsets/home/A/actions/set_records"]);
  });

  it("zone id the project lacks/push/permanent naming the id", async () => {
    mock = await startHetzner(TOKEN, "example.org", []);
    const o = (await provider(mock, { zone: "999" }).push([update(["203.0.113.7"])], AbortSignal.timeout(5000))).get("home.example.org/ipv4");
    assert.equal(o?.kind, "permanent");
    assert.match(reasonOf(o), /no zone with id 999/);
  });

  it("existing RRset with TTL 3600, ttl 600 configured/push/set_records then change_ttl; next change needs no change_ttl", async () => {
    mock = await startHetzner(TOKEN, "example.org", [{ name: "home", type: "A", value: "203.0.113.1", ttl: 3600 }]);
    const o = (await provider(mock).push([update(["203.0.113.7"], { ttl: 600, previous: ["203.0.113.1"], cache: { zone: "example.org", zoneId: "4711" } })], AbortSignal.timeout(5000))).get("home.example.org/ipv4");
    assert.equal(o?.kind, "updated", reasonOf(o));
    assert.deepEqual(mock.requests.map((r) => `${r.path} ${r.body}`), [
      '/v1/zones/4711/rrsets/home/A/actions/set_records {"records":[{"value":"203.0.113.7"}]}',
      '/v1/zones/4711/rrsets/home/A/actions/change_ttl {"ttl":600}',
    ]);
    assert.deepEqual(mock.stored(), [{ name: "home", type: "A", value: "203.0.113.7", ttl: 600 }]);
    mock.requests.length = 0;
    const cache = o?.kind === "updated" ? o.cache : undefined;
    await provider(mock).push([update(["203.0.113.8"], { ttl: 600, previous: ["203.0.113.7"], ...(cache ? { cache } : {}) })], AbortSignal.timeout(5000));
    assert.deepEqual(mock.requests.map((r) => r.path), ["/v1/zones/4711/rrsets/home/A/actions/set_records"]);
  });

  it("action failed/push/transient with Hetzner's reason", async () => {
    mock = await startHetzner(TOKEN, "example.org", []);
    mock.once({ status: 201, body: { action: { id: 9, command: "set_rrset_records", status: "error", progress: 100, error: { code: "action_failed", message: "Action failed" } } } });
    const u = update(["203.0.113.7"], { previous: ["203.0.113.1"], cache: { zone: "example.org", zoneId: "4711" } });
    const o = (await provider(mock).push([u], AbortSignal.timeout(5000))).get("home.example.org/ipv4");
    assert.equal(o?.kind, "transient");
    assert.match(reasonOf(o), /Action failed/);
  });
});

recordApiSuite({
  type: "hetzner",
  start: (seed) => startHetzner(TOKEN, "example.org", seed),
  provider,
  secrets: [TOKEN, "wrongTOKEN0000000"],
  badCredentials: { token: "wrongTOKEN0000000" },
  keyHint: /\(HTTP 401: unable to authenticate\): check token in \[providers\.home\]/,
  rateLimit: {
    status: 429,
    headers: { "ratelimit-limit": "3600", "ratelimit-remaining": "0", "ratelimit-reset": String(Math.floor(TEST_NOW / 1000) + 5) },
    body: { error: { code: "rate_limit_exceeded", message: "limit of 3600 requests per hour reached", details: {} } },
  },
  retryAfterMs: 5000,
  garbage: [
    { status: 200, body: "<html>" },
    { status: 200, body: { zone: { name: "example.org" } } },
    { status: 503, body: { error: { code: "maintenance", message: "maintenance", details: {} } } },
  ],
});
