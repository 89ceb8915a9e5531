import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createPorkbun } from "../../../src/provider/porkbun/porkbun.js";
import { startPorkbun } from "../../helpers/porkbun-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { reasonOf, recordApiSuite, scannedProvider, type SuiteMock, update } from "../../helpers/record-api-suite.js";

const PK = "pk1_5299b57125c8f3cdf347d2fe0e713311ee3a1e11f11a14942b26472593e35368";
const SK = "sk1_7d119e3f656b00ae042980302e1425a04163c476efec1833q3cb0w54fc6f5022";
const provider = (m: SuiteMock, values: Record<string, string> = {}) =>
  scannedProvider(testSettings("porkbun", { apikey: PK, secretapikey: SK, endpoint: `${m.url}/api/json/v3`, ...values }, ["apikey", "secretapikey"]), (s) => createPorkbun(s, testDeps()), [PK, SK]);

describe("Provider - porkbun", () => {
  let mock: SuiteMock;
  afterEach(async () => {
    await mock.close();
    assert.deepEqual(mock.violations, []);
  });

  it("apex, no cache/push with ttl 300/probe ends in '/', create carries ttl 600 as a string", async () => {
    mock = await startPorkbun(PK, SK, "example.org", []);
    const out = await provider(mock).push([update(["203.0.113.7"], { name: "example.org", key: "example.org/ipv4", ttl: 300 })], AbortSignal.timeout(5000));
    assert.equal(out.get("example.org/ipv4")?.kind, "updated");
    assert.deepEqual(mock.requests.map((r) => r.path), [
      "/api/json/v3/dns/retrieveByNameType/example.org/A/",
      "/api/json/v3/dns/retrieveByNameType/example.org/A/",
      "/api/json/v3/dns/retrieveByNameType/example.org/CNAME/",
      "/api/json/v3/dns/retrieveByNameType/example.org/ALIAS/",
      "/api/json/v3/dns/create/example.org",
    ]);
    assert.deepEqual(JSON.parse(mock.requests[4]!.body), { apikey: PK, secretapikey: SK, name: "", type: "A", content: "203.0.113.7", ttl: "600" });
  });

  it("new domain with Porkbun's parking records/first push at the apex and the wildcard/refused naming ALIAS and CNAME, nothing deleted or created", async () => {
    // Porkbun's defaults for a new domain: ALIAS domain.tld -> pixie.porkbun.com, CNAME *.domain.tld -> pixie.porkbun.com.
    mock = await startPorkbun(PK, SK, "example.org", [
      { name: "", type: "ALIAS", value: "pixie.porkbun.com" },
      { name: "*", type: "CNAME", value: "pixie.porkbun.com" },
    ]);
    const out = await provider(mock, { zone: "example.org" }).push(
      [update(["203.0.113.7"], { name: "example.org", key: "example.org/ipv4" }), update(["203.0.113.7"], { name: "*.example.org", key: "*.example.org/ipv4" })],
      AbortSignal.timeout(5000),
    );
    const apex = out.get("example.org/ipv4");
    const wild = out.get("*.example.org/ipv4");
    assert.equal(apex?.kind, "permanent");
    assert.match(reasonOf(apex), /^porkbun holds ALIAS example\.org -> pixie\.porkbun\.com, and an A record cannot sit beside it; ddns does not delete records it did not create/);
    assert.equal(wild?.kind, "permanent");
    assert.match(reasonOf(wild), /^porkbun holds CNAME \*\.example\.org -> pixie\.porkbun\.com/);
    assert.equal(mock.writes(), 0);
  });

  it("domain without API access/push/permanent saying so", async () => {
    mock = await startPorkbun(PK, SK, "other.org", []);
    const out = await provider(mock, { zone: "example.org" }).push([update(["203.0.113.7"])], AbortSignal.timeout(5000));
    assert.match(reasonOf(out.get("home.example.org/ipv4")), /Invalid domain.*API access is on/);
  });
});

recordApiSuite({
  type: "porkbun",
  // Porkbun takes every call as a POST with the keys in the JSON body (porkbun.com/api/json/v3/documentation).
  readsByPost: true,
  start: (seed) => startPorkbun(PK, SK, "example.org", seed),
  provider,
  secrets: [PK, SK, "sk1_wrong_secret"],
  badCredentials: { secretapikey: "sk1_wrong_secret" },
  keyHint: /\(HTTP 400: Invalid API key\. \(002\)\): check apikey\/secretapikey in \[providers\.home\]/,
  rateLimit: { status: 503, headers: { "retry-after": "3" }, body: "<html><body><h1>503 Service Unavailable</h1></body></html>" },
  retryAfterMs: 3000,
  garbage: [
    { status: 200, body: "<html>" },
    { status: 200, body: { status: "SUCCESS" } },
    { status: 502, body: "Bad Gateway" },
  ],
});
