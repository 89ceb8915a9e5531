import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createGodaddy } from "../../../src/provider/godaddy/godaddy.js";
import { startGodaddy } from "../../helpers/godaddy-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { reasonOf, recordApiSuite, scannedProvider, type SuiteMock, update } from "../../helpers/record-api-suite.js";

const KEY = "dKYWxyz123_9Qm3AbCdEfGhIjKlMnOp";
const SECRET = "Q7rStUvWxYz0123456789a";
const provider = (m: SuiteMock, values: Record<string, string> = {}) =>
  scannedProvider(testSettings("godaddy", { key: KEY, secret: SECRET, endpoint: m.url, ...values }, ["key", "secret"]), (s) => createGodaddy(s, testDeps()), [KEY, SECRET]);

describe("Provider - godaddy", () => {
  let mock: SuiteMock;
  afterEach(async () => {
    await mock.close();
    assert.deepEqual(mock.violations, []);
  });

  it("state known, ttl 300/push/one PUT of an array with ttl raised to 600", async () => {
    mock = await startGodaddy(KEY, SECRET, "example.org", [{ name: "home", type: "A", value: "203.0.113.1" }]);
    const u = update(["203.0.113.7"], { previous: ["203.0.113.1"], ttl: 300, cache: { zone: "example.org", zoneId: "example.org" } });
    const out = await provider(mock).push([u], AbortSignal.timeout(5000));
    assert.equal(out.get("home.example.org/ipv4")?.kind, "updated");
    assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.path}`), ["PUT /v1/domains/example.org/records/A/home"]);
    assert.deepEqual(JSON.parse(mock.requests[0]!.body), [{ data: "203.0.113.7", ttl: 600 }]);
  });

  it("account below GoDaddy's threshold/push/permanent explaining the 403", async () => {
    mock = await startGodaddy(KEY, SECRET, "example.org", [], true);
    const out = await provider(mock, { zone: "example.org" }).push([update(["203.0.113.7"]), update(["2001:db8::7"])], AbortSignal.timeout(5000));
    assert.match(reasonOf(out.get("home.example.org/ipv4")), /not allowed access.*only to larger accounts/);
    assert.equal(out.get("home.example.org/ipv6")?.kind, "permanent");
    assert.equal(mock.requests.length, 1);
  });

  it("429 with retryAfterSec in the body/push/transient for that long", async () => {
    mock = await startGodaddy(KEY, SECRET, "example.org", []);
    mock.once({ status: 429, body: { code: "TOO_MANY_REQUESTS", message: "Too many requests received within interval", retryAfterSec: 42 } });
    const o = (await provider(mock, { zone: "example.org" }).push([update(["203.0.113.7"])], AbortSignal.timeout(5000))).get("home.example.org/ipv4");
    assert.equal(o?.kind === "transient" ? o.retryAfterMs : -1, 42_000);
  });
});

recordApiSuite({
  type: "godaddy",
  start: (seed) => startGodaddy(KEY, SECRET, "example.org", seed),
  provider,
  secrets: [KEY, SECRET, "WRONGSECRET00"],
  badCredentials: { secret: "WRONGSECRET00" },
  keyHint: /\(HTTP 401: Unable to authenticate user\): check key\/secret in \[providers\.home\]/,
  rateLimit: { status: 429, headers: { "retry-after": "30" }, body: { code: "TOO_MANY_REQUESTS", message: "Too many requests received within interval" } },
  retryAfterMs: 30_000,
  garbage: [
    { status: 200, body: "<!DOCTYPE html>" },
    { status: 200, body: { domain: "other.org" } },
    { status: 503, body: { code: "UNAVAILABLE", message: "Service temporarily unavailable" } },
  ],
});
