import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createDuckdns } from "../../../src/provider/duckdns/duckdns.js";
import type { RecordUpdate } from "../../../src/provider/types.js";
import { startDuckdns, type DuckdnsMock } from "../../helpers/duckdns-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { scannedProvider } from "../../helpers/record-api-suite.js";

const TOKEN = "a7c4d0ad-114e-40ef-ba1d-d217904a50f2";
const v4 = (addresses: string[], name = "myhome.duckdns.org"): RecordUpdate => ({ key: `${name}/ipv4`, name, family: "ipv4", addresses, previous: null });
const v6 = (addresses: string[], name = "myhome.duckdns.org"): RecordUpdate => ({ key: `${name}/ipv6`, name, family: "ipv6", addresses, previous: null });

let mock: DuckdnsMock;
afterEach(async () => {
  await mock.close();
  assert.deepEqual(mock.violations, []);
});

/** Every outcome and error is scanned for the token given and the right one. */
function provider(token = TOKEN) {
  return scannedProvider(testSettings("duckdns", { token, endpoint: mock.url }, ["token"]), (s) => createDuckdns(s, testDeps()), [TOKEN]);
}
const signal = () => AbortSignal.timeout(5000);

describe("Provider - duckdns", () => {
  it("new address/push both families/one request, updated", async () => {
    mock = await startDuckdns(TOKEN, ["myhome"]);
    const out = await provider().push([v4(["203.0.113.7"]), v6(["2001:db8::7"])], signal());
    assert.equal(mock.requests.length, 1);
    const q = mock.requests[0]!.query;
    assert.deepEqual([q.get("domains"), q.get("ip"), q.get("ipv6")], ["myhome", "203.0.113.7", "2001:db8::7"]);
    assert.deepEqual(out.get("myhome.duckdns.org/ipv4"), { kind: "updated" });
    assert.deepEqual(out.get("myhome.duckdns.org/ipv6"), { kind: "updated" });
    assert.deepEqual(mock.hosts.get("myhome"), { ip: "203.0.113.7", ipv6: "2001:db8::7" });
  });

  it("changed address/push ipv4 only/ipv6 left alone", async () => {
    mock = await startDuckdns(TOKEN, ["myhome"]);
    mock.hosts.set("myhome", { ip: "203.0.113.7", ipv6: "2001:db8::7" });
    const out = await provider().push([v4(["203.0.113.8"])], signal());
    assert.equal(mock.requests[0]!.query.has("ipv6"), false);
    assert.deepEqual(out.get("myhome.duckdns.org/ipv4"), { kind: "updated" });
    assert.deepEqual(mock.hosts.get("myhome"), { ip: "203.0.113.8", ipv6: "2001:db8::7" });
  });

  it("same address/push/unchanged (NOCHANGE)", async () => {
    mock = await startDuckdns(TOKEN, ["myhome"]);
    mock.hosts.set("myhome", { ip: "203.0.113.7", ipv6: "" });
    const out = await provider().push([v4(["203.0.113.7"])], signal());
    assert.deepEqual(out.get("myhome.duckdns.org/ipv4"), { kind: "unchanged" });
  });

  it("nothing due/push/no request", async () => {
    mock = await startDuckdns(TOKEN, ["myhome"]);
    const out = await provider().push([], signal());
    assert.equal(out.size, 0);
    assert.equal(mock.requests.length, 0);
  });

  it("wrong token/push two names/KO is permanent, names the key, no secret", async () => {
    mock = await startDuckdns(TOKEN, ["myhome", "other"]);
    const wrong = "0000aaaa-bad0-token-0000-000000000000";
    const out = await provider(wrong).push([v4(["203.0.113.7"]), v4(["203.0.113.7"], "other.duckdns.org")], signal());
    const o = out.get("myhome.duckdns.org/ipv4");
    assert.equal(o?.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /myhome\.duckdns\.org.*check token in \[providers\.home\]/);
    assert.equal(out.get("other.duckdns.org/ipv4")?.kind, "permanent");
    assert.ok(!mock.requests.some((r) => r.headers.authorization !== undefined));
  });

  it("not a duckdns name/push/permanent without a request", async () => {
    mock = await startDuckdns(TOKEN, ["myhome"]);
    const out = await provider().push([v4(["203.0.113.7"], "home.example.org")], signal());
    assert.equal(out.get("home.example.org/ipv4")?.kind, "permanent");
    assert.equal(mock.requests.length, 0);
  });

  it("rate limited/push/transient with Retry-After, next name not sent", async () => {
    mock = await startDuckdns(TOKEN, ["myhome", "other"]);
    mock.once({ status: 429, headers: { "retry-after": "120" }, body: "Too Many Requests" });
    const out = await provider().push([v4(["203.0.113.7"]), v4(["203.0.113.7"], "other.duckdns.org")], signal());
    assert.deepEqual(out.get("myhome.duckdns.org/ipv4")?.kind, "transient");
    const o = out.get("myhome.duckdns.org/ipv4");
    assert.equal(o?.kind === "transient" ? o.retryAfterMs : 0, 120_000);
    assert.equal(out.get("other.duckdns.org/ipv4")?.kind, "transient");
    assert.equal(mock.requests.length, 1);
  });

  it("server error or garbage/push/transient", async () => {
    mock = await startDuckdns(TOKEN, ["myhome"]);
    mock.once({ status: 502, body: "<html>Bad Gateway</html>" });
    mock.once({ status: 200, body: "<html>maintenance</html>" });
    const a = await provider().push([v4(["203.0.113.7"])], signal());
    const b = await provider().push([v4(["203.0.113.7"])], signal());
    assert.equal(a.get("myhome.duckdns.org/ipv4")?.kind, "transient");
    const o = b.get("myhome.duckdns.org/ipv4");
    assert.equal(o?.kind, "transient");
    assert.match(o?.kind === "transient" ? o.reason : "", /malformed/);
  });
});
