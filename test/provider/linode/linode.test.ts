import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createLinode } from "../../../src/provider/linode/linode.js";
import { startLinode } from "../../helpers/linode-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { recordApiSuite, scannedProvider, type SuiteMock, update } from "../../helpers/record-api-suite.js";

const TOKEN = "3b8f1e0c2d4a6b8c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d";
const provider = (m: SuiteMock, values: Record<string, string> = {}) =>
  scannedProvider(testSettings("linode", { token: TOKEN, endpoint: `${m.url}/v4`, ...values }, ["token"]), (s) => createLinode(s, testDeps()), [TOKEN]);

describe("Provider - linode", () => {
  let mock: SuiteMock;
  afterEach(async () => {
    await mock.close();
    assert.deepEqual(mock.violations, []);
  });

  it("no cache/push/zone id found by X-Filter, record listed by name, created with ttl_sec", async () => {
    mock = await startLinode(TOKEN, "example.org", []);
    const out = await provider(mock).push([update(["203.0.113.7"], { ttl: 300 })], AbortSignal.timeout(5000));
    assert.equal(out.get("home.example.org/ipv4")?.kind, "updated");
    const seen = mock.requests.map((r) => [r.method, r.path, r.headers["x-filter"]]);
    assert.deepEqual(seen, [
      ["GET", "/v4/domains", '{"domain":"home.example.org"}'],
      ["GET", "/v4/domains", '{"domain":"example.org"}'],
      ["GET", "/v4/domains/1065421/records", '{"name":"home"}'],
      ["POST", "/v4/domains/1065421/records", undefined],
    ]);
    assert.deepEqual(JSON.parse(mock.requests[3]!.body), { type: "A", name: "home", target: "203.0.113.7", ttl_sec: 300 });
  });

  it("cached id/push/one PUT with only the target", async () => {
    mock = await startLinode(TOKEN, "example.org", [{ name: "home", type: "A", value: "203.0.113.1" }]);
    const cache = { zone: "example.org", zoneId: "1065421", records: "17940000=203.0.113.1" };
    await provider(mock).push([update(["203.0.113.7"], { cache })], AbortSignal.timeout(5000));
    assert.deepEqual(mock.requests.map((r) => [r.method, r.path, r.body]), [["PUT", "/v4/domains/1065421/records/17940000", '{"target":"203.0.113.7"}']]);
  });
});

recordApiSuite({
  type: "linode",
  start: (seed) => startLinode(TOKEN, "example.org", seed),
  provider,
  secrets: [TOKEN, "wrong-token-1234"],
  badCredentials: { token: "wrong-token-1234" },
  keyHint: /\(HTTP 401: Invalid Token\): check token in \[providers\.home\]/,
  rateLimit: { status: 429, headers: { "retry-after": "7" }, body: { errors: [{ reason: "Too Many Requests" }] } },
  retryAfterMs: 7000,
  garbage: [
    { status: 200, body: "not json" },
    { status: 200, body: { data: "nope" } },
    { status: 500, body: { errors: [{ reason: "Internal Server Error" }] } },
  ],
  ttl: 300,
});
