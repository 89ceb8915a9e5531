import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createFreedns } from "../../../src/provider/freedns/freedns.js";
import type { RecordUpdate } from "../../../src/provider/types.js";
import { startFreedns, type FreednsMock } from "../../helpers/freedns-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { scannedProvider } from "../../helpers/record-api-suite.js";

const T4 = "UWd3ZmowVmRMUG9BQVNYQWxHbzo3Mjg5MTY=";
const T6 = "djZUb2tlbkZvclRoZUFBQUFyZWNvcmQ6MTIz";
const NAME = "home.mooo.com";
const up = (family: "ipv4" | "ipv6", address: string): RecordUpdate => ({ key: `${NAME}/${family}`, name: NAME, family, addresses: [address], previous: null });

let mock: FreednsMock;
afterEach(async () => {
  await mock.close();
  assert.deepEqual(mock.violations, []);
});
const start = () =>
  startFreedns({
    [T4]: { host: NAME, type: "A", address: "203.0.113.1" },
    [T6]: { host: NAME, type: "AAAA", address: "2001:db8::1" },
  });
// Every outcome and error is scanned for the tokens given and both right ones.
const provider = (values: Record<string, string> = { token: T4, ipv6_token: T6 }) =>
  scannedProvider(testSettings("freedns", { ...values, endpoint: mock.url }, ["token", "ipv6_token"]), (s) => createFreedns(s, testDeps()), [T4, T6]);
const signal = () => AbortSignal.timeout(5000);

describe("Provider - freedns", () => {
  it("new addresses/push both families/one request each with its own token, updated", async () => {
    mock = await start();
    const out = await provider().push([up("ipv4", "203.0.113.7"), up("ipv6", "2001:db8::7")], signal());
    assert.equal(mock.requests.length, 2);
    assert.deepEqual(out.get(`${NAME}/ipv4`), { kind: "updated" });
    assert.deepEqual(out.get(`${NAME}/ipv6`), { kind: "updated" });
    assert.equal(mock.records.get(T4)?.address, "203.0.113.7");
    assert.equal(mock.records.get(T6)?.address, "2001:db8::7");
  });

  it("same address/push/unchanged", async () => {
    mock = await start();
    const out = await provider().push([up("ipv4", "203.0.113.1")], signal());
    assert.deepEqual(out.get(`${NAME}/ipv4`), { kind: "unchanged" });
  });

  it("nothing due/push/no request", async () => {
    mock = await start();
    assert.equal((await provider().push([], signal())).size, 0);
    assert.equal(mock.requests.length, 0);
  });

  it("no ipv6_token/push ipv6/permanent naming the key, no request", async () => {
    mock = await start();
    const out = await provider({ token: T4 }).push([up("ipv6", "2001:db8::7")], signal());
    const o = out.get(`${NAME}/ipv6`);
    assert.equal(o?.kind, "permanent");
    assert.match(o?.kind === "permanent" ? o.reason : "", /set ipv6_token/);
    assert.equal(mock.requests.length, 0);
  });

  it("unknown token/push/permanent naming the key, no secret", async () => {
    mock = await start();
    const out = await provider({ token: "bad-token-value" }).push([up("ipv4", "203.0.113.7")], signal());
    const o = out.get(`${NAME}/ipv4`);
    assert.equal(o?.kind, "permanent");
    assert.match(o?.kind === "permanent" ? o.reason : "", /home\.mooo\.com.*Unable to locate.*check token in \[providers\.home\]/);
  });

  it("rate limited or server error/push/transient", async () => {
    mock = await start();
    mock.once({ status: 429, headers: { "retry-after": "60" }, body: "slow down" });
    mock.once({ status: 503, body: "<html>Service Unavailable</html>" });
    const a = (await provider().push([up("ipv4", "203.0.113.7")], signal())).get(`${NAME}/ipv4`);
    const b = (await provider().push([up("ipv4", "203.0.113.7")], signal())).get(`${NAME}/ipv4`);
    assert.equal(a?.kind === "transient" ? a.retryAfterMs : -1, 60_000);
    assert.equal(b?.kind, "transient");
  });

  it("unexpected text/push/transient malformed", async () => {
    mock = await start();
    mock.once({ status: 200, body: "<html><body>Welcome to FreeDNS</body></html>" });
    const o = (await provider().push([up("ipv4", "203.0.113.7")], signal())).get(`${NAME}/ipv4`);
    assert.equal(o?.kind, "transient");
    assert.match(o?.kind === "transient" ? o.reason : "", /malformed/);
  });
});
