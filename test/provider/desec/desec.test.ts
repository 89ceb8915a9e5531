import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createDesec } from "../../../src/provider/desec/desec.js";
import { desecSpec } from "../../../src/provider/desec/spec.js";
import type { PushOutcome, RecordUpdate } from "../../../src/provider/types.js";
import { startDesec, type DesecMock } from "../../helpers/desec-server.js";
import { testDeps, testSettings } from "../../helpers/mock-api.js";
import { scannedProvider } from "../../helpers/record-api-suite.js";

const TOKEN = "i-T3b1h2lnCq5kG9nYbZ7mL2pQ";
const upd = (name: string, family: "ipv4" | "ipv6", addresses: string[], extra: Partial<RecordUpdate> = {}): RecordUpdate => ({
  key: `${name}/${family}`,
  name,
  family,
  addresses,
  previous: null,
  ...extra,
});
const signal = (): AbortSignal => AbortSignal.timeout(5000);

let mock: DesecMock;
afterEach(async () => {
  assert.deepEqual(mock.violations, []);
  await mock.close();
});

// Every outcome, verify result and error is scanned for the token given and the right one.
const provider = (token = TOKEN) => scannedProvider(testSettings("desec", { token, endpoint: `${mock.url}/api/v1` }, ["token"]), (s) => createDesec(s, testDeps()), [TOKEN]);
const outcome = (m: Map<string, PushOutcome>, key: string): PushOutcome => {
  const o = m.get(key);
  assert.ok(o, `no outcome for ${key}`);
  return o;
};
const reason = (o: PushOutcome): string => (o.kind === "transient" || o.kind === "permanent" ? o.reason : "");
const seen = () => mock.requests.map((r) => `${r.method} ${r.path}${r.query.toString() === "" ? "" : `?${r.query}`}`);

describe("Provider - desec", () => {
  it("new name, both families/push/one lookup, one bulk PATCH, created with minimum_ttl, domain cached", async () => {
    mock = await startDesec(TOKEN, { "example.dedyn.io": 60 });
    const out = await provider().push([upd("home.example.dedyn.io", "ipv4", ["203.0.113.7"]), upd("home.example.dedyn.io", "ipv6", ["2001:db8::7"])], signal());
    // First contact: each RRset is read (absent here: created with the domain's minimum_ttl).
    assert.deepEqual(seen(), [
      "GET /api/v1/domains/?owns_qname=home.example.dedyn.io",
      "GET /api/v1/domains/example.dedyn.io/rrsets/home/A/",
      "GET /api/v1/domains/example.dedyn.io/rrsets/home/AAAA/",
      "PATCH /api/v1/domains/example.dedyn.io/rrsets/",
    ]);
    const cache = { domain: "example.dedyn.io", minimum_ttl: "60" };
    assert.deepEqual(outcome(out, "home.example.dedyn.io/ipv4"), { kind: "updated", cache });
    assert.deepEqual(outcome(out, "home.example.dedyn.io/ipv6"), { kind: "updated", cache });
    assert.deepEqual(mock.rrsets.get("example.dedyn.io/home/A"), { ttl: 60, records: ["203.0.113.7"] });
    assert.deepEqual(mock.rrsets.get("example.dedyn.io/home/AAAA"), { ttl: 60, records: ["2001:db8::7"] });
    assert.equal(mock.requests[1]!.headers.authorization, `Token ${TOKEN}`);
  });

  it("cached domain, changed address at the apex/push/one PATCH, subname empty, the RRset's TTL kept", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    mock.rrsets.set("example.com//A", { ttl: 7200, records: ["198.51.100.1"] });
    const out = await provider().push([upd("example.com", "ipv4", ["198.51.100.2"], { cache: { domain: "example.com", minimum_ttl: "3600" }, previous: ["198.51.100.1"] })], signal());
    assert.deepEqual(seen(), ["PATCH /api/v1/domains/example.com/rrsets/"]);
    assert.deepEqual(JSON.parse(mock.requests[0]!.body), [{ subname: "", type: "A", records: ["198.51.100.2"] }]);
    assert.equal(mock.rrsets.get("example.com//A")?.ttl, 7200);
    assert.equal(outcome(out, "example.com/ipv4").kind, "updated");
    assert.deepEqual(mock.rrsets.get("example.com//A")?.records, ["198.51.100.2"]);
  });

  it("nested domains/push/the responsible (longest) domain is used", async () => {
    mock = await startDesec(TOKEN, { "example.net": 3600, "dev.example.net": 300 });
    await provider().push([upd("www.dev.example.net", "ipv4", ["192.0.2.1"], { ttl: 600 })], signal());
    assert.deepEqual(mock.rrsets.get("dev.example.net/www/A"), { ttl: 600, records: ["192.0.2.1"] });
  });

  it("nothing due/push/no request", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    assert.equal((await provider().push([], signal())).size, 0);
    assert.equal(mock.requests.length, 0);
  });

  it("wrong token, two names/push/permanent for both after one request, token not echoed", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    const out = await provider("wrong-token-value").push([upd("a.example.com", "ipv4", ["192.0.2.1"]), upd("b.example.com", "ipv4", ["192.0.2.2"])], signal());
    assert.equal(mock.requests.length, 1);
    for (const k of ["a.example.com/ipv4", "b.example.com/ipv4"]) {
      assert.equal(outcome(out, k).kind, "permanent");
      assert.match(reason(outcome(out, k)), /HTTP 401.*Invalid token.*token in \[providers\.home\]/);
    }
  });

  it("throttled/push/transient with Retry-After honoured, nothing more sent", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    mock.throttleSeconds = 42;
    const cache = { domain: "example.com", minimum_ttl: "3600" };
    const out = await provider().push([upd("a.example.com", "ipv4", ["192.0.2.1"], { cache }), upd("b.other.org", "ipv4", ["192.0.2.2"])], signal());
    assert.equal(mock.requests.length, 1);
    const o = outcome(out, "a.example.com/ipv4");
    assert.equal(o.kind, "transient");
    assert.equal(o.kind === "transient" ? o.retryAfterMs : 0, 42_000);
    assert.match(reason(o), /rate-limiting.*throttled/);
    assert.equal(outcome(out, "b.other.org/ipv4").kind, "transient");
  });

  it("ttl below the domain minimum for one of two/push/that one permanent with deSEC's words, the other written", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    const cache = { domain: "example.com", minimum_ttl: "3600" };
    const out = await provider().push([upd("a.example.com", "ipv4", ["192.0.2.1"], { cache, ttl: 60, previous: ["192.0.2.9"] }), upd("b.example.com", "ipv4", ["192.0.2.2"], { cache })], signal());
    // b's first contact reads its RRset (none), then one PATCH, then b again alone.
    assert.equal(mock.requests.length, 3);
    const o = outcome(out, "a.example.com/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(reason(o), /a\.example\.com \(A\).*ttl: Ensure this value is greater than or equal to 3600/);
    assert.equal(outcome(out, "b.example.com/ipv4").kind, "updated");
    assert.deepEqual(mock.rrsets.get("example.com/b/A")?.records, ["192.0.2.2"]);
    assert.equal(mock.rrsets.has("example.com/a/A"), false);
  });

  it("round robin at the name, not ddns's/first push/refused naming the records, nothing written", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    mock.rrsets.set("example.com/www/A", { ttl: 3600, records: ["192.0.2.10", "192.0.2.11"] });
    const o = outcome(await provider().push([upd("www.example.com", "ipv4", ["192.0.2.1"], { cache: { domain: "example.com", minimum_ttl: "3600" } })], signal()), "www.example.com/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(reason(o), /2 A records for www\.example\.com \(192\.0\.2\.10, 192\.0\.2\.11\).*not published by ddns/);
    assert.deepEqual(mock.rrsets.get("example.com/www/A")?.records, ["192.0.2.10", "192.0.2.11"]);
    assert.ok(mock.requests.every((r) => r.method === "GET"));
  });

  it("existing RRset, no ttl configured/first push/PATCH without ttl: deSEC keeps the TTL", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    mock.rrsets.set("example.com/www/A", { ttl: 86400, records: ["192.0.2.10"] });
    await provider().push([upd("www.example.com", "ipv4", ["192.0.2.1"], { cache: { domain: "example.com", minimum_ttl: "3600" } })], signal());
    assert.deepEqual(mock.rrsets.get("example.com/www/A"), { ttl: 86400, records: ["192.0.2.1"] });
  });

  it("name in no domain of the account/push/permanent", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    const o = outcome(await provider().push([upd("home.example.org", "ipv4", ["192.0.2.1"])], signal()), "home.example.org/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(reason(o), /no domain in this account that holds home\.example\.org/);
  });

  it("cached domain deleted since/push/looked up again once, updated with the new domain", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    const out = await provider().push([upd("x.sub.example.com", "ipv4", ["192.0.2.9"], { cache: { domain: "sub.example.com", minimum_ttl: "60" }, ttl: 3600, previous: ["192.0.2.8"] })], signal());
    assert.deepEqual(seen(), [
      "PATCH /api/v1/domains/sub.example.com/rrsets/",
      "GET /api/v1/domains/?owns_qname=x.sub.example.com",
      "PATCH /api/v1/domains/example.com/rrsets/",
    ]);
    assert.deepEqual(outcome(out, "x.sub.example.com/ipv4"), { kind: "updated", cache: { domain: "example.com", minimum_ttl: "3600" } });
  });

  it("domain list not JSON/push/transient malformed", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    mock.once({ status: 200, body: "<html>maintenance</html>" });
    const o = outcome(await provider().push([upd("a.example.com", "ipv4", ["192.0.2.1"])], signal()), "a.example.com/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(reason(o), /malformed/);
  });

  it("PATCH answered with an object, not the list/push/transient malformed", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    mock.once({ status: 200, body: { subname: "a" } });
    const o = outcome(await provider().push([upd("a.example.com", "ipv4", ["192.0.2.1"], { cache: { domain: "example.com", minimum_ttl: "3600" } })], signal()), "a.example.com/ipv4");
    assert.equal(o.kind, "transient");
  });

  it("server error/push/transient", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    mock.once({ status: 502, body: "Bad Gateway" });
    const o = outcome(await provider().push([upd("a.example.com", "ipv4", ["192.0.2.1"], { cache: { domain: "example.com", minimum_ttl: "3600" } })], signal()), "a.example.com/ipv4");
    assert.equal(o.kind, "transient");
  });

  it("good token/verify/ok; wrong token/verify/reason", async () => {
    mock = await startDesec(TOKEN, { "example.com": 3600 });
    assert.deepEqual(await provider().verify!(signal()), { ok: true });
    assert.equal((await provider("nope-nope").verify!(signal())).ok, false);
  });

  it("spec/keys/token is a required secret", () => {
    mock = { violations: [], close: async () => undefined } as unknown as DesecMock;
    assert.deepEqual(desecSpec().keys.map((k) => [k.name, k.kind, k.required]), [["token", "secret", true]]);
  });
});

describe("Provider - desec read (drift check, issue 17)", () => {
  const rec = (family: "ipv4" | "ipv6") => ({ key: `home.example.dedyn.io/${family}`, name: "home.example.dedyn.io", family });

  it("one RRset changed, the other deleted/readRecords/one GET each (domain cached), then both repaired in one PATCH", async () => {
    mock = await startDesec(TOKEN, { "example.dedyn.io": 60 });
    const first = await provider().push([upd("home.example.dedyn.io", "ipv4", ["203.0.113.7"]), upd("home.example.dedyn.io", "ipv6", ["2001:db8::7"])], signal());
    const cache = (outcome(first, "home.example.dedyn.io/ipv4") as { cache?: Record<string, string> }).cache!;
    mock.rrsets.set("example.dedyn.io/home/A", { ttl: 60, records: ["192.0.2.99"] });
    mock.rrsets.delete("example.dedyn.io/home/AAAA");
    mock.requests.length = 0;
    const got = await provider().readRecords!([{ ...rec("ipv4"), cache }, { ...rec("ipv6"), cache }], signal());
    assert.deepEqual(got.get("home.example.dedyn.io/ipv4"), { kind: "found", addresses: ["192.0.2.99"], cache });
    assert.deepEqual(got.get("home.example.dedyn.io/ipv6"), { kind: "found", addresses: [], cache });
    assert.deepEqual(seen(), ["GET /api/v1/domains/example.dedyn.io/rrsets/home/A/", "GET /api/v1/domains/example.dedyn.io/rrsets/home/AAAA/"]);
    mock.requests.length = 0;
    await provider().push([upd("home.example.dedyn.io", "ipv4", ["203.0.113.7"], { previous: ["192.0.2.99"], cache }), upd("home.example.dedyn.io", "ipv6", ["2001:db8::7"], { previous: [], cache })], signal());
    assert.deepEqual(seen(), ["PATCH /api/v1/domains/example.dedyn.io/rrsets/"]);
    assert.deepEqual(mock.rrsets.get("example.dedyn.io/home/AAAA")?.records, ["2001:db8::7"]);
  });

  it("wrong token/readRecords/unknown naming the token after one request", async () => {
    mock = await startDesec(TOKEN, { "example.dedyn.io": 60 });
    const got = await provider("wrongTOKEN-000000").readRecords!([rec("ipv4"), rec("ipv6")], signal());
    assert.equal(got.get("home.example.dedyn.io/ipv4")?.kind, "unknown");
    assert.match((got.get("home.example.dedyn.io/ipv6") as { reason: string }).reason, /not asked/);
    assert.equal(mock.requests.length, 1);
  });
});

describe("Provider - desec TTL against the domain's minimum_ttl (ddns check --online, issue 14)", () => {
  it("ttl below one domain's minimum_ttl/verify with the entry's TTLs/one GET, a finding for that record only, nothing written", async () => {
    mock = await startDesec(TOKEN, { "example.dedyn.io": 3600, "low.example.org": 60 });
    const r = await provider().verify!(signal(), [
      { name: "home.example.dedyn.io", ttl: 300, line: 12 },
      { name: "nas.low.example.org", ttl: 60, line: 17 },
      { name: "example.dedyn.io", ttl: 3600, line: 21 },
    ]);
    assert.equal(r.ok, true);
    assert.deepEqual(r.ok ? r.ttl : undefined, [
      { line: 12, reason: "desec's minimum TTL for example.dedyn.io is 3600 (the domain's minimum_ttl), not 300: set ttl = 3600 or more, or leave it out" },
    ]);
    assert.deepEqual(seen(), ["GET /api/v1/domains/"]);
  });

  it("no ttl configured/verify/no finding", async () => {
    mock = await startDesec(TOKEN, { "example.dedyn.io": 3600 });
    assert.deepEqual(await provider().verify!(signal(), []), { ok: true });
  });
});
