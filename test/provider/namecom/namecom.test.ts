import { Buffer } from "node:buffer";
import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createNamecom } from "../../../src/provider/namecom/namecom.js";
import { startNamecom } from "../../helpers/namecom-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { recordApiSuite, scannedProvider, type SuiteMock, update } from "../../helpers/record-api-suite.js";

const TOKEN = "4a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
const provider = (m: SuiteMock, values: Record<string, string> = {}) =>
  scannedProvider(testSettings("namecom", { username: "alice", token: TOKEN, endpoint: `${m.url}/v4`, ...values }, ["token"]), (s) => createNamecom(s, testDeps()), [TOKEN]);


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

describe("Provider - namecom", () => {
  let mock: SuiteMock;
  afterEach(async () => {
    await mock.close();
    assert.deepEqual(mock.violations, []);
  });

  it("apex record on page 2, ttl 60 asked/push/found via nextPage, PUT with ttl raised to 300", async () => {
    const filler = Array.from({ length: 3 }, (_, i) => ({ name: `n${i}`, type: "A", value: `192.0.2.${i + 1}` }));
    mock = await startNamecom("alice", TOKEN, "example.org", [...filler, { name: "", type: "A", value: "203.0.113.1" }], 2);
    const out = await provider(mock, { zone: "example.org" }).push([update(["203.0.113.7"], { name: "example.org", key: "example.org/ipv4", ttl: 60 })], AbortSignal.timeout(5000));
    assert.equal(out.get("example.org/ipv4")?.kind, "updated");
    assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.query.get("page") ?? ""}`), ["GET 1", "GET 2", "PUT "]);
    assert.deepEqual(JSON.parse(mock.requests[2]!.body), { host: "", type: "A", answer: "203.0.113.7", ttl: 300 });
  });

  it("zone of 5,000 records, pages past 64 KiB/push, no cache/5 pages of 1000 (Name.com's max), the record found and changed with its TTL", async () => {
    mock = await startNamecom("alice", TOKEN, "example.org", bigZone());
    const basic = `Basic ${Buffer.from(`alice:${TOKEN}`).toString("base64")}`;
    const page = await fetch(`${mock.url}/v4/domains/example.org/records?perPage=1000&page=1`, { headers: { authorization: basic } });
    assert.ok((await page.text()).length > 64 * 1024);
    mock.requests.length = 0;
    const out = await provider(mock, { zone: "example.org" }).push([update(["203.0.113.7"])], AbortSignal.timeout(10_000));
    const o = out.get("home.example.org/ipv4");
    assert.equal(o?.kind, "updated", o?.kind === "transient" || o?.kind === "permanent" ? o.reason : "");
    assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.query.get("page") ?? ""}`), ["GET 1", "GET 2", "GET 3", "GET 4", "GET 5", "PUT "]);
    assert.ok(mock.requests.filter((r) => r.method === "GET").every((r) => r.query.get("perPage") === "1000"));
    assert.deepEqual(JSON.parse(mock.requests[5]!.body), { host: "home", type: "A", answer: "203.0.113.7", ttl: 300 });
  });
});

recordApiSuite({
  type: "namecom",
  start: (seed) => startNamecom("alice", TOKEN, "example.org", seed),
  provider,
  secrets: [TOKEN, "0000wrongtoken0000"],
  badCredentials: { token: "0000wrongtoken0000" },
  keyHint: /\(HTTP 401: Unauthenticated\): check username\/token in \[providers\.home\]/,
  rateLimit: { status: 429, headers: { "retry-after": "1" }, body: { message: "Too Many Requests" } },
  retryAfterMs: 1000,
  garbage: [
    { status: 200, body: "<html></html>" },
    { status: 200, body: { domainName: "elsewhere.org" } },
    { status: 502, body: "Bad Gateway" },
  ],
});
