import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createNamecheap } from "../../../src/provider/namecheap/namecheap.js";
import type { PushOutcome, RecordUpdate } from "../../../src/provider/types.js";
import { startNamecheap, type NamecheapMock } from "../../helpers/namecheap-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { scannedProvider } from "../../helpers/record-api-suite.js";

const PASSWORD = "7a0354e9ae547b9d30ab0ea4ff0a30f7";
const up = (name: string, address: string, family: "ipv4" | "ipv6" = "ipv4"): RecordUpdate => ({ key: `${name}/${family}`, name, family, addresses: [address], previous: null });
const reasonOf = (o: PushOutcome | undefined) => (o?.kind === "transient" || o?.kind === "permanent" ? o.reason : "");

let mock: NamecheapMock;
afterEach(async () => {
  await mock.close();
  assert.deepEqual(mock.violations, []);
});
// Every outcome and error is scanned for the password given and the right one.
const provider = (password = PASSWORD) =>
  scannedProvider(testSettings("namecheap", { domain: "example.org", password, endpoint: mock.url }, ["password"]), (s) => createNamecheap(s, testDeps()), [PASSWORD]);
const push = (updates: RecordUpdate[], password?: string) => provider(password).push(updates, AbortSignal.timeout(5000));

describe("Provider - namecheap", () => {
  it("dynamic host and apex/push/one GET each with host, domain, password, ip; updated", async () => {
    mock = await startNamecheap("example.org", PASSWORD, { home: "203.0.113.1", "@": "203.0.113.1" });
    const out = await push([up("home.example.org", "203.0.113.7"), up("example.org", "203.0.113.8")]);
    assert.deepEqual([...out.values()].map((o) => o.kind), ["updated", "updated"]);
    assert.deepEqual(mock.requests.map((r) => r.query.get("host")), ["home", "@"]);
    assert.deepEqual([...mock.hosts], [["home", "203.0.113.7"], ["@", "203.0.113.8"]]);
  });

  it("same address/push/still one GET and updated (Namecheap does not say)", async () => {
    mock = await startNamecheap("example.org", PASSWORD, { home: "203.0.113.7" });
    assert.equal((await push([up("home.example.org", "203.0.113.7")])).get("home.example.org/ipv4")?.kind, "updated");
    assert.equal(mock.requests.length, 1);
  });

  it("nothing due, or an IPv6 update/push/no request", async () => {
    mock = await startNamecheap("example.org", PASSWORD, { home: "203.0.113.7" });
    assert.equal((await push([])).size, 0);
    const o = (await push([up("home.example.org", "2001:db8::7", "ipv6")])).get("home.example.org/ipv6");
    assert.match(reasonOf(o), /A records only/);
    assert.equal(mock.requests.length, 0);
  });

  it("wrong password/push two hosts/permanent naming password, second not sent", async () => {
    mock = await startNamecheap("example.org", PASSWORD, { home: "203.0.113.1", www: "203.0.113.1" });
    const out = await push([up("home.example.org", "203.0.113.7"), up("www.example.org", "203.0.113.7")], "wrong-ddns-password");
    assert.match(reasonOf(out.get("home.example.org/ipv4")), /refused the credentials for home\.example\.org \(Namecheap: Passwords do not match\): check password in \[providers\.home\]/);
    assert.equal(out.get("www.example.org/ipv4")?.kind, "permanent");
    assert.equal(mock.requests.length, 1);
  });

  it("host without a dynamic record/push/permanent telling what to create", async () => {
    mock = await startNamecheap("example.org", PASSWORD, {});
    assert.match(reasonOf((await push([up("home.example.org", "203.0.113.7")])).get("home.example.org/ipv4")), /A record not Found.*A \+ Dynamic DNS Record/);
  });

  it("rate limited, server error or garbage/push/transient", async () => {
    mock = await startNamecheap("example.org", PASSWORD, { home: "203.0.113.1" });
    mock.once({ status: 429, headers: { "retry-after": "60" }, body: "Too Many Requests" });
    mock.once({ status: 502, body: "<html>Bad Gateway</html>" });
    mock.once({ status: 200, body: "<html><body>Parked</body></html>" });
    const kinds = [];
    for (let i = 0; i < 3; i++) kinds.push((await push([up("home.example.org", "203.0.113.7")])).get("home.example.org/ipv4"));
    assert.deepEqual(kinds.map((o) => o?.kind), ["transient", "transient", "transient"]);
    assert.equal(kinds[0]?.kind === "transient" ? kinds[0].retryAfterMs : 0, 60_000);
    assert.match(reasonOf(kinds[2]), /malformed/);
  });
});
