import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createDigitalocean } from "../../../src/provider/digitalocean/digitalocean.js";
import type { RecordUpdate } from "../../../src/provider/types.js";
import { startDigitalocean, type DigitaloceanMock } from "../../helpers/digitalocean-server.js";
import { TEST_NOW, testDeps, testSettings } from "../../helpers/mock-api.js";
import { recordApiSuite, scannedProvider } from "../../helpers/record-api-suite.js";

const TOKEN = "dop_v1_4f0c5e0b8e4c1d2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2";
const NAME = "home.example.org";
const up = (addresses: string[], extra: Partial<RecordUpdate> = {}): RecordUpdate => ({
  key: `${extra.name ?? NAME}/${extra.family ?? "ipv4"}`,
  name: NAME,
  family: "ipv4",
  addresses,
  previous: null,
  ...extra,
});

let mock: DigitaloceanMock;
afterEach(async () => {
  await mock.close();
  assert.deepEqual(mock.violations, []);
});
const provider = (values: Record<string, string> = {}) =>
  scannedProvider(testSettings("digitalocean", { token: TOKEN, endpoint: `${mock.url}/v2`, ...values }, ["token"]), (s) => createDigitalocean(s, testDeps()), [TOKEN]);
const push = async (u: RecordUpdate[], values?: Record<string, string>) => provider(values).push(u, AbortSignal.timeout(5000));

describe("Provider - digitalocean", () => {
  it("no record, no cache/push/finds the zone, creates, caches ids", async () => {
    mock = await startDigitalocean(TOKEN, "example.org", []);
    const out = await push([up(["203.0.113.7"], { ttl: 300 })]);
    const o = out.get(`${NAME}/ipv4`);
    assert.equal(o?.kind, "updated");
    assert.deepEqual(
      mock.requests.map((r) => `${r.method} ${r.path}`),
      ["GET /v2/domains/home.example.org", "GET /v2/domains/example.org", "GET /v2/domains/example.org/records", "POST /v2/domains/example.org/records"],
    );
    assert.deepEqual(JSON.parse(mock.requests[3]!.body), { type: "A", name: "home", data: "203.0.113.7", ttl: 300 });
    assert.deepEqual(mock.records.map((r) => [r.name, r.type, r.data, r.ttl]), [["home", "A", "203.0.113.7", 300]]);
    assert.deepEqual(o?.kind === "updated" ? o.cache : {}, { zone: "example.org", zoneId: "example.org", records: `${mock.records[0]!.id}=203.0.113.7` });
  });

  it("cached ids/push a new address/one PATCH", async () => {
    mock = await startDigitalocean(TOKEN, "example.org", [{ type: "AAAA", name: "home", data: "2001:db8::1", ttl: 60 }]);
    const id = mock.records[0]!.id;
    const cache = { zone: "example.org", zoneId: "example.org", records: `${id}=2001:db8::1` };
    const out = await push([up(["2001:db8::7"], { family: "ipv6", cache, previous: ["2001:db8::1"] })]);
    assert.equal(mock.requests.length, 1);
    assert.equal(`${mock.requests[0]!.method} ${mock.requests[0]!.path}`, `PATCH /v2/domains/example.org/records/${id}`);
    assert.deepEqual(JSON.parse(mock.requests[0]!.body), { type: "AAAA", data: "2001:db8::7" });
    assert.deepEqual(out.get(`${NAME}/ipv6`), { kind: "updated", cache: { ...cache, records: `${id}=2001:db8::7` } });
  });

  it("record already right/push with zone set/one GET, unchanged, nothing written", async () => {
    mock = await startDigitalocean(TOKEN, "example.org", [{ type: "A", name: "home", data: "203.0.113.7", ttl: 60 }]);
    const out = await push([up(["203.0.113.7"])], { zone: "example.org" });
    assert.equal(out.get(`${NAME}/ipv4`)?.kind, "unchanged");
    assert.deepEqual(mock.requests.map((r) => r.method), ["GET"]);
    assert.equal(mock.requests[0]!.query.get("name"), NAME);
    assert.equal(mock.requests[0]!.query.get("type"), "A");
  });

  it("cached id deleted meanwhile/push/looks up again once and creates", async () => {
    mock = await startDigitalocean(TOKEN, "example.org", []);
    const cache = { zone: "example.org", zoneId: "example.org", records: "999=203.0.113.1" };
    const out = await push([up(["203.0.113.7"], { cache })]);
    assert.equal(out.get(`${NAME}/ipv4`)?.kind, "updated");
    assert.deepEqual(mock.requests.map((r) => r.method), ["PATCH", "GET", "POST"]);
  });

  it("two addresses then one/push twice/creates both, then deletes the extra", async () => {
    mock = await startDigitalocean(TOKEN, "example.org", []);
    const first = (await push([up(["203.0.113.7", "203.0.113.8"])], { zone: "example.org" })).get(`${NAME}/ipv4`);
    assert.equal(mock.records.length, 2);
    const cache = first?.kind === "updated" ? first.cache : undefined;
    mock.requests.length = 0;
    await push([up(["203.0.113.8"], cache ? { cache } : {})], { zone: "example.org" });
    assert.deepEqual(mock.requests.map((r) => r.method), ["DELETE"]);
    assert.deepEqual(mock.records.map((r) => r.data), ["203.0.113.8"]);
  });

});

recordApiSuite({
  type: "digitalocean",
  start: (seed) => startDigitalocean(TOKEN, "example.org", seed.map((r) => ({ type: r.type, name: r.name || "@", data: r.value, ttl: r.ttl ?? 1800 }))),
  provider: (m, values = {}) => scannedProvider(testSettings("digitalocean", { token: TOKEN, endpoint: `${m.url}/v2`, ...values }, ["token"]), (s) => createDigitalocean(s, testDeps()), [TOKEN]),
  secrets: [TOKEN, "dop_v1_wrong"],
  badCredentials: { token: "dop_v1_wrong" },
  keyHint: /\(HTTP 401: Unable to authenticate you\.\): check token in \[providers\.home\]/,
  rateLimit: {
    status: 429,
    headers: { "ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": String(Math.floor(TEST_NOW / 1000) + 90) },
    body: { id: "too_many_requests", message: "API rate limit exceeded." },
  },
  retryAfterMs: 90_000,
  garbage: [
    { status: 200, body: "<html>maintenance</html>" },
    { status: 200, body: { domain_records: [{ id: "x" }] } },
    { status: 503, body: { id: "service_unavailable", message: "Service unavailable" } },
  ],
});
