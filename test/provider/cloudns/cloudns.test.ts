import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { allowedTtl, createCloudns } from "../../../src/provider/cloudns/cloudns.js";
import { startCloudns } from "../../helpers/cloudns-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { recordApiSuite, scannedProvider, type SuiteMock, update } from "../../helpers/record-api-suite.js";

const PASSWORD = "Sup3r-S3cret-ClouDNS-pw";
const provider = (m: SuiteMock, values: Record<string, string> = {}) =>
  scannedProvider(testSettings("cloudns", { auth_id: "4321", password: PASSWORD, endpoint: m.url, ...values }, ["password"]), (s) => createCloudns(s, testDeps()), [PASSWORD]);

describe("Provider - cloudns", () => {
  let mock: SuiteMock | undefined;
  afterEach(async () => {
    if (mock === undefined) return;
    await mock.close();
    assert.deepEqual(mock.violations, []);
    mock = undefined;
  });

  it("ttl asked/allowedTtl/smallest ClouDNS value not below it, 3600 by default", () => {
    assert.deepEqual([allowedTtl(1), allowedTtl(60), allowedTtl(61), allowedTtl(undefined), allowedTtl(10_000_000)], [60, 60, 300, 3600, 2592000]);
  });

  it("sub-user by name/verify/posts sub-auth-user instead of auth-id to login", async () => {
    mock = await startCloudns("4321", PASSWORD, "example.org", []);
    const r = await provider(mock, { auth_id: "", sub_auth_user: "ddns-bot" }).verify?.(AbortSignal.timeout(5000));
    assert.equal(r?.ok, false);
    const form = Object.fromEntries(new URLSearchParams(mock.requests[0]!.body));
    assert.equal(mock.requests[0]!.path, "/login/login.json");
    assert.deepEqual(form, { "sub-auth-user": "ddns-bot", "auth-password": PASSWORD });
  });

  it("cached id/push/one mod-record form with host, record and an allowed ttl", async () => {
    mock = await startCloudns("4321", PASSWORD, "example.org", [{ name: "home", type: "A", value: "203.0.113.1" }]);
    const cache = { zone: "example.org", zoneId: "example.org", records: "69469268=203.0.113.1" };
    const out = await provider(mock).push([update(["203.0.113.7"], { cache, ttl: 120 })], AbortSignal.timeout(5000));
    assert.equal(out.get("home.example.org/ipv4")?.kind, "updated");
    assert.equal(mock.requests.length, 1);
    assert.equal(mock.requests[0]!.path, "/dns/mod-record.json");
    const form = Object.fromEntries(new URLSearchParams(mock.requests[0]!.body));
    assert.deepEqual(form, { "auth-id": "4321", "auth-password": PASSWORD, "domain-name": "example.org", host: "home", ttl: "300", "record-id": "69469268", record: "203.0.113.7" });
  });
});

recordApiSuite({
  type: "cloudns",
  // ClouDNS answers reads to POSTs too (auth in the form body): api.cloudns.net "records.json".
  readsByPost: true,
  start: (seed) => startCloudns("4321", PASSWORD, "example.org", seed),
  provider,
  secrets: [PASSWORD, "wrong-password-x"],
  badCredentials: { password: "wrong-password-x" },
  keyHint: /\(Failed: Invalid authentication, incorrect auth-id or auth-password\.\): check auth_id\/password in \[providers\.home\]/,
  rateLimit: { status: 200, body: { status: "Failed", statusDescription: "Request blocked. 192.0.2.1 is sending more than 20 requests per second." } },
  retryAfterMs: 1000,
  garbage: [
    { status: 200, body: "<br />\n<b>Warning</b>" },
    { status: 200, body: { name: "other.org" } },
    { status: 500, body: "Internal Server Error" },
  ],
  ttl: 300,
});
