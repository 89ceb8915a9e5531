import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createVultr } from "../../../src/provider/vultr/vultr.js";
import { startVultr } from "../../helpers/vultr-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { recordApiSuite, scannedProvider, type SuiteMock, update } from "../../helpers/record-api-suite.js";

const KEY = "EXAMPLEKEY4RBAVMVP2KQ3FNN5DKZN7UXPDQ";
const provider = (m: SuiteMock, values: Record<string, string> = {}) =>
  scannedProvider(testSettings("vultr", { api_key: KEY, endpoint: `${m.url}/v2`, ...values }, ["api_key"]), (s) => createVultr(s, testDeps()), [KEY]);


/**
 * A zone of 5,000 records like a real one: A records and DKIM-sized TXT records (a
 * 2048-bit key is about 400 characters), with the name ddns keeps near the end.
 */
function bigZone(): Array<{ name: string; type: string; value: string }> {
  const dkim = `v=DKIM1; k=rsa; p=${"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA".repeat(9)}`;
  const out = Array.from({ length: 4999 }, (_, i) => (i % 5 === 0 ? { name: `s${i}._domainkey`, type: "TXT", value: dkim } : { name: `h${i}`, type: "A", value: `198.51.100.${i % 250}` }));
  out.splice(4990, 0, { name: "home", type: "A", value: "203.0.113.1" });
  return out;
}

describe("Provider - vultr", () => {
  let mock: SuiteMock;
  afterEach(async () => {
    await mock.close();
    assert.deepEqual(mock.violations, []);
  });

  it("record on a later page/push with zone set/follows the cursor, PATCH answers 204", async () => {
    const filler = Array.from({ length: 5 }, (_, i) => ({ name: `n${i}`, type: "A", value: `192.0.2.${i + 1}` }));
    mock = await startVultr(KEY, "example.org", [...filler, { name: "home", type: "A", value: "203.0.113.1" }], 2);
    const out = await provider(mock, { zone: "example.org" }).push([update(["203.0.113.7"])], AbortSignal.timeout(5000));
    const o = out.get("home.example.org/ipv4");
    assert.equal(o?.kind, "updated");
    assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.query.get("cursor") ?? "-"}`), ["GET -", "GET 2", "GET 4", "PATCH -"]);
    assert.deepEqual(JSON.parse(mock.requests[3]!.body), { data: "203.0.113.7" });
    assert.match(o?.kind === "updated" ? (o.cache?.["records"] ?? "") : "", /^[0-9a-f-]{36}=203\.0\.113\.7$/);
  });

  it("zone of 5,000 records, pages past 64 KiB/push, no cache/10 pages of 500 (Vultr's max per_page), the record found and changed, only its id kept", async () => {
    mock = await startVultr(KEY, "example.org", bigZone());
    // The mock's page is as large as Vultr's would be: past net/http's 64 KiB default cap.
    const page = await fetch(`${mock.url}/v2/domains/example.org/records?per_page=500`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.ok((await page.text()).length > 64 * 1024);
    mock.requests.length = 0;
    const out = await provider(mock, { zone: "example.org" }).push([update(["203.0.113.7"])], AbortSignal.timeout(10_000));
    const o = out.get("home.example.org/ipv4");
    assert.equal(o?.kind, "updated", o?.kind === "transient" || o?.kind === "permanent" ? o.reason : "");
    const gets = mock.requests.filter((r) => r.method === "GET");
    assert.equal(gets.length, 10);
    assert.ok(gets.every((r) => r.query.get("per_page") === "500"));
    assert.deepEqual(mock.requests.filter((r) => r.method !== "GET").map((r) => r.method), ["PATCH"]);
    assert.match(o?.kind === "updated" ? (o.cache?.["records"] ?? "") : "", /^[0-9a-f-]{36}=203\.0\.113\.7$/, "the cache holds the name's id, not the zone");
  });

  it("zone longer than ddns reads (100 pages)/push/permanent naming the zone, nothing created", async () => {
    const filler = Array.from({ length: 101 }, (_, i) => ({ name: `n${i}`, type: "A", value: `192.0.2.${(i % 250) + 1}` }));
    mock = await startVultr(KEY, "example.org", filler, 1);
    const o = (await provider(mock, { zone: "example.org" }).push([update(["203.0.113.7"])], AbortSignal.timeout(10_000))).get("home.example.org/ipv4");
    assert.equal(o?.kind, "permanent");
    assert.match(o?.kind === "permanent" ? o.reason : "", /lists more than 50000 records in zone example\.org/);
    assert.equal(mock.writes(), 0);
  });
});

recordApiSuite({
  type: "vultr",
  start: (seed) => startVultr(KEY, "example.org", seed),
  provider,
  secrets: [KEY, "WRONGKEY0000000000"],
  badCredentials: { api_key: "WRONGKEY0000000000" },
  keyHint: /\(HTTP 401: Invalid API token\.\): check api_key in \[providers\.home\]/,
  rateLimit: { status: 429, headers: { "retry-after": "2" }, body: { error: "Rate limit reached - please try your request again later.", status: 429 } },
  retryAfterMs: 2000,
  garbage: [
    { status: 200, body: "" },
    { status: 200, body: { domain: "example.org" } },
    { status: 503, body: { error: "Service Unavailable", status: 503 } },
  ],
});
