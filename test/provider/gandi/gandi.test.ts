import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createGandi } from "../../../src/provider/gandi/gandi.js";
import { startGandi } from "../../helpers/gandi-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { recordApiSuite, scannedProvider, type SuiteMock, update } from "../../helpers/record-api-suite.js";

const PAT = "d2a6f3c9e1b84b7a9c0e5f1d3b7a9c2e4f6a8b0c";
const provider = (m: SuiteMock, values: Record<string, string> = {}) =>
  scannedProvider(testSettings("gandi", { token: PAT, endpoint: `${m.url}/v5/livedns`, ...values }, ["token", "api_key"]), (s) => createGandi(s, testDeps()), [PAT]);

describe("Provider - gandi", () => {
  let mock: SuiteMock;
  afterEach(async () => {
    await mock.close();
    assert.deepEqual(mock.violations, []);
  });

  it("two addresses, state known/push/one PUT of the whole RRset with the ttl raised to 300", async () => {
    mock = await startGandi(PAT, "example.org", [{ name: "", type: "A", value: "203.0.113.1" }]);
    const cache = { zone: "example.org", zoneId: "example.org" };
    const u = update(["203.0.113.7", "203.0.113.8"], { name: "example.org", key: "example.org/ipv4", previous: ["203.0.113.1"], cache, ttl: 60 });
    const out = await provider(mock).push([u], AbortSignal.timeout(5000));
    assert.equal(out.get("example.org/ipv4")?.kind, "updated");
    assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.path}`), ["PUT /v5/livedns/domains/example.org/records/@/A"]);
    assert.deepEqual(JSON.parse(mock.requests[0]!.body), { rrset_values: ["203.0.113.7", "203.0.113.8"], rrset_ttl: 300 });
  });
});

recordApiSuite({
  type: "gandi",
  start: (seed) => startGandi(PAT, "example.org", seed),
  provider,
  secrets: [PAT, "wrong-pat-000000"],
  badCredentials: { token: "wrong-pat-000000" },
  keyHint: /\(HTTP 401: The server could not verify.*\): check token in \[providers\.home\]/,
  rateLimit: { status: 429, headers: { "retry-after": "60" }, body: { code: 429, message: "Too Many Requests", object: "HTTPTooManyRequests", cause: "Too Many Requests" } },
  retryAfterMs: 60_000,
  garbage: [
    { status: 200, body: "<html>" },
    { status: 200, body: { fqdn: "someone-else.org" } },
    { status: 504, body: "Gateway Timeout" },
  ],
});
