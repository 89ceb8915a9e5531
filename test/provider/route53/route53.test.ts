import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createRoute53 } from "../../../src/provider/route53/route53.js";
import { route53Spec } from "../../../src/provider/route53/spec.js";
import type { PushOutcome, RecordUpdate } from "../../../src/provider/types.js";
import { startRoute53, type Route53Mock } from "../../helpers/route53-server.js";
import { TEST_NOW, testDeps, testSettings } from "../../helpers/mock-api.js";
import { createHttpClient } from "../../../src/net/http.js";
import { scannedProvider } from "../../helpers/record-api-suite.js";

const AKID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const ZONE = "Z0123456789ABCDEFGHIJ";
/** The secret the mock holds in the wrong-secret case. */
const MOCK_SECRET = "another-secret";

const upd = (name: string, family: "ipv4" | "ipv6", addresses: string[], ttl?: number, cache?: Record<string, string>): RecordUpdate => ({
  key: `${name}/${family}`,
  name,
  family,
  addresses,
  // With a TTL configured the record counts as ddns's already (no read before the UPSERT);
  // without one, the RRset is read for the TTL to keep (ListResourceRecordSets).
  previous: ttl === undefined ? null : ["192.0.2.250"],
  ...(ttl === undefined ? {} : { ttl }),
  ...(cache === undefined ? {} : { cache }),
});
const signal = (): AbortSignal => AbortSignal.timeout(5000);

let mock: Route53Mock;
afterEach(async () => {
  assert.deepEqual(mock.violations, []);
  await mock.close();
});

// Every outcome, verify result and error is scanned for the secrets given, the right one and the mock's.
function provider(values: Record<string, string> = {}, now = TEST_NOW) {
  const deps = now === TEST_NOW ? testDeps() : { ...testDeps(), http: createHttpClient({ userAgent: "ddns/test" }), now: () => now };
  return scannedProvider(
    testSettings("route53", { access_key_id: AKID, secret_access_key: SECRET, hosted_zone_id: ZONE, endpoint: mock.url, ...values }, ["secret_access_key", "session_token"]),
    (s) => createRoute53(s, deps),
    [SECRET, MOCK_SECRET],
  );
}

function providerNoZone() {
  return scannedProvider(testSettings("route53", { access_key_id: AKID, secret_access_key: SECRET, endpoint: mock.url }, ["secret_access_key"]), (s) => createRoute53(s, testDeps()), [SECRET]);
}

function outcome(m: Map<string, PushOutcome>, key: string): PushOutcome {
  const o = m.get(key);
  assert.ok(o, `no outcome for ${key}`);
  return o;
}
const reason = (o: PushOutcome): string => (o.kind === "transient" || o.kind === "permanent" ? o.reason : "");

describe("Provider - route53", () => {
  it("new record/push/its RRset read (none), one signed UPSERT, created with TTL 300", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    const out = await provider().push([upd("home.example.com", "ipv4", ["203.0.113.7"])], signal());
    assert.deepEqual(outcome(out, "home.example.com/ipv4"), { kind: "updated", cache: { ttl: "300" } });
    assert.equal(mock.requests.length, 2);
    assert.equal(mock.requests[0]!.path, `/2013-04-01/hostedzone/${ZONE}/rrset`);
    assert.equal(mock.requests[1]!.path, `/2013-04-01/hostedzone/${ZONE}/rrset/`);
    assert.deepEqual(mock.rrsets.get("home.example.com./A"), { ttl: 300, values: ["203.0.113.7"] });
  });

  it("both families, several addresses/push/one request for the whole batch", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    const out = await provider({ hosted_zone_id: `/hostedzone/${ZONE}` }).push(
      [upd("home.example.com", "ipv4", ["203.0.113.8", "203.0.113.9"], 60), upd("home.example.com", "ipv6", ["2001:db8::8"], 60)],
      signal(),
    );
    assert.equal(mock.requests.length, 1);
    assert.equal(outcome(out, "home.example.com/ipv6").kind, "updated");
    assert.deepEqual(mock.rrsets.get("home.example.com./A"), { ttl: 60, values: ["203.0.113.8", "203.0.113.9"] });
    assert.deepEqual(mock.rrsets.get("home.example.com./AAAA"), { ttl: 60, values: ["2001:db8::8"] });
  });

  it("existing record with its own TTL, none configured/push/replaced, TTL kept", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    mock.rrsets.set("home.example.com./A", { ttl: 86400, values: ["198.51.100.1"] });
    await provider().push([upd("home.example.com", "ipv4", ["198.51.100.2"])], signal());
    assert.deepEqual(mock.rrsets.get("home.example.com./A"), { ttl: 86400, values: ["198.51.100.2"] });
  });

  it("round robin that is not ddns's/first push/refused naming the records, no change sent", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    mock.rrsets.set("home.example.com./A", { ttl: 300, values: ["198.51.100.1", "198.51.100.3"] });
    const o = outcome(await provider().push([upd("home.example.com", "ipv4", ["198.51.100.2"])], signal()), "home.example.com/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(reason(o), /2 A records for home\.example\.com \(198\.51\.100\.1, 198\.51\.100\.3\)/);
    assert.ok(mock.requests.every((r) => r.method === "GET"));
  });

  it("existing record/push new address/replaced (UPSERT)", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    mock.rrsets.set("home.example.com./A", { ttl: 300, values: ["198.51.100.1"] });
    await provider().push([upd("home.example.com", "ipv4", ["198.51.100.2"])], signal());
    assert.deepEqual(mock.rrsets.get("home.example.com./A")?.values, ["198.51.100.2"]);
  });

  it("nothing due/push/no request", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    assert.equal((await provider().push([], signal())).size, 0);
    assert.equal(mock.requests.length, 0);
  });

  it("temporary credentials/push/session token sent and signed", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    const out = await provider({ session_token: "FQoGZXIvYXdzEXAMPLETOKEN" }).push([upd("home.example.com", "ipv4", ["203.0.113.7"], 300)], signal());
    assert.equal(outcome(out, "home.example.com/ipv4").kind, "updated");
    assert.equal(mock.requests[0]!.headers["x-amz-security-token"], "FQoGZXIvYXdzEXAMPLETOKEN");
    assert.match(String(mock.requests[0]!.headers.authorization), /SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,/);
  });

  it("unknown access key, two records/push/permanent InvalidClientTokenId after one request", async () => {
    mock = await startRoute53(ZONE, "example.com", { AKIAOTHER: SECRET }, TEST_NOW);
    const out = await provider().push([upd("a.example.com", "ipv4", ["192.0.2.1"]), upd("b.example.com", "ipv4", ["192.0.2.2"])], signal());
    assert.equal(mock.requests.length, 1);
    for (const k of ["a.example.com/ipv4", "b.example.com/ipv4"]) {
      assert.equal(outcome(out, k).kind, "permanent");
      assert.match(reason(outcome(out, k)), /InvalidClientTokenId.*access_key_id and secret_access_key/);
    }
  });

  it("wrong secret/push/permanent SignatureDoesNotMatch, secret not echoed", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: MOCK_SECRET }, TEST_NOW);
    const out = await provider().push([upd("home.example.com", "ipv4", ["192.0.2.1"])], signal());
    const o = outcome(out, "home.example.com/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(reason(o), /home\.example\.com.*SignatureDoesNotMatch/);
  });

  it("Throttling/push two records/transient once, nothing more sent", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    mock.throttle = 1;
    const out = await provider().push([upd("a.example.com", "ipv4", ["192.0.2.1"], 300), upd("a.example.com", "ipv6", ["2001:db8::1"], 300)], signal());
    assert.equal(mock.requests.length, 1);
    assert.equal(outcome(out, "a.example.com/ipv6").kind, "transient");
    assert.match(reason(outcome(out, "a.example.com/ipv4")), /Throttling: Rate exceeded/);
  });

  it("clock 10 minutes off/push/transient RequestExpired naming the clock", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    const o = outcome(await provider({}, TEST_NOW + 600_000).push([upd("a.example.com", "ipv4", ["192.0.2.1"])], signal()), "a.example.com/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(reason(o), /clock/);
  });

  it("wrong hosted_zone_id/push/permanent NoSuchHostedZone", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    const o = outcome(await provider({ hosted_zone_id: "ZNOTMINE" }).push([upd("a.example.com", "ipv4", ["192.0.2.1"])], signal()), "a.example.com/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(reason(o), /NoSuchHostedZone.*hosted_zone_id/);
  });

  it("one name outside the zone in a batch/push/only that one permanent, the other updated", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    const out = await provider().push([upd("home.example.org", "ipv4", ["192.0.2.1"], 300), upd("home.example.com", "ipv4", ["192.0.2.2"], 300)], signal());
    assert.equal(mock.requests.length, 3);
    assert.equal(outcome(out, "home.example.com/ipv4").kind, "updated");
    const o = outcome(out, "home.example.org/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(reason(o), /InvalidChangeBatch: RRSet with DNS name home\.example\.org\. is not permitted/);
  });

  it("200 without ChangeInfo/push/transient malformed", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    mock.once({ status: 200, body: "<html>captive portal</html>" });
    const o = outcome(await provider().push([upd("a.example.com", "ipv4", ["192.0.2.1"])], signal()), "a.example.com/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(reason(o), /malformed/);
  });

  it("503 without XML/push/transient", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    mock.once({ status: 503, body: "Service Unavailable" });
    const o = outcome(await provider().push([upd("a.example.com", "ipv4", ["192.0.2.1"])], signal()), "a.example.com/ipv4");
    assert.equal(o.kind, "transient");
  });

  it("no hosted_zone_id/push/zone found by name (private twin skipped), one POST, id cached", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW, [
      { id: "ZPRIVATE0000000000001", name: "example.com", private: true },
      { id: "ZOTHER00000000000001", name: "example.org" },
      { id: "ZSUB000000000000001", name: "sub.example.com" },
    ]);
    const p = providerNoZone();
    const out = await p.push([upd("home.example.com", "ipv4", ["203.0.113.7"], 300), upd("home.example.com", "ipv6", ["2001:db8::7"], 300)], signal());
    assert.deepEqual(
      mock.requests.map((r) => `${r.method} ${r.path}?${r.query}`),
      [
        "GET /2013-04-01/hostedzonesbyname?dnsname=home.example.com&maxitems=10",
        "GET /2013-04-01/hostedzonesbyname?dnsname=example.com&maxitems=10",
        `POST /2013-04-01/hostedzone/${ZONE}/rrset/?`,
      ],
    );
    assert.deepEqual(outcome(out, "home.example.com/ipv6"), { kind: "updated", cache: { zone_id: ZONE, ttl: "300" } });
    const again = await p.push([upd("home.example.com", "ipv4", ["203.0.113.8"], 300, { zone_id: ZONE })], signal());
    assert.equal(mock.requests.length, 4);
    assert.equal(outcome(again, "home.example.com/ipv4").kind, "updated");
    const sub = await p.push([upd("a.sub.example.com", "ipv4", ["203.0.113.9"])], signal());
    assert.deepEqual(outcome(sub, "a.sub.example.com/ipv4"), { kind: "updated", cache: { zone_id: "ZSUB000000000000001", ttl: "300" } });
  });

  it("no hosted_zone_id, cached zone deleted since/push/found again once", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    const out = await providerNoZone().push([upd("home.example.com", "ipv4", ["203.0.113.7"], 300, { zone_id: "ZGONE" })], signal());
    assert.deepEqual(outcome(out, "home.example.com/ipv4"), { kind: "updated", cache: { zone_id: ZONE, ttl: "300" } });
    assert.equal(mock.requests.length, 4);
  });

  it("no hosted_zone_id, no zone holds the name/push/permanent naming it", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    const o = outcome(await providerNoZone().push([upd("home.example.net", "ipv4", ["203.0.113.7"])], signal()), "home.example.net/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(reason(o), /no public hosted zone holding home\.example\.net/);
  });

  it("good key/verify/ok via GetHostedZone; wrong key/verify/reason", async () => {
    mock = await startRoute53(ZONE, "example.com", { [AKID]: SECRET }, TEST_NOW);
    assert.deepEqual(await provider().verify!(signal()), { ok: true });
    const bad = await provider({ secret_access_key: "nope" }).verify!(signal());
    assert.equal(bad.ok, false);
  });

  it("spec/keys/secret kinds and defaults", () => {
    mock = { violations: [], close: async () => undefined } as unknown as Route53Mock;
    const k = Object.fromEntries(route53Spec().keys.map((x) => [x.name, x]));
    assert.equal(k.secret_access_key?.kind, "secret");
    assert.equal(k.session_token?.kind, "secret");
    assert.equal(k.region?.default, "us-east-1");
    assert.equal(k.hosted_zone_id?.required, undefined);
  });
});

describe("Provider - route53 read (drift check, issue 17)", () => {
  const rec = (family: "ipv4" | "ipv6") => ({ key: `home.example.org/${family}`, name: "home.example.org", family });

  it("record changed, other family deleted/readRecords/one signed GET each, found what the zone holds; repair one change batch", async () => {
    mock = await startRoute53(ZONE, "example.org", { [AKID]: SECRET }, TEST_NOW);
    mock.rrsets.set("home.example.org./A", { ttl: 300, values: ["192.0.2.99"] });
    mock.rrsets.set("zz.example.org./AAAA", { ttl: 300, values: ["2001:db8::99"] });
    const got = await provider().readRecords!([rec("ipv4"), rec("ipv6")], signal());
    // The set's TTL comes back in the cache (the engine keeps it), so the repair needs no read.
    assert.deepEqual(got.get("home.example.org/ipv4"), { kind: "found", addresses: ["192.0.2.99"], cache: { ttl: "300" } });
    assert.deepEqual(got.get("home.example.org/ipv6"), { kind: "found", addresses: [] }, "the next record set in the list is another name's");
    assert.deepEqual(mock.requests.map((r) => r.method), ["GET", "GET"]);
    mock.requests.length = 0;
    await provider().push([{ ...upd("home.example.org", "ipv4", ["203.0.113.7"], undefined, { ttl: "300" }), previous: ["192.0.2.99"] }, { ...upd("home.example.org", "ipv6", ["2001:db8::7"]), previous: [] }], signal());
    assert.deepEqual(mock.requests.map((r) => r.method), ["POST"]);
    assert.deepEqual(mock.rrsets.get("home.example.org./A")?.values, ["203.0.113.7"]);
  });

  it("wrong secret/readRecords/unknown naming the keys after one request", async () => {
    mock = await startRoute53(ZONE, "example.org", { [AKID]: MOCK_SECRET }, TEST_NOW);
    const got = await provider().readRecords!([rec("ipv4"), rec("ipv6")], signal());
    assert.equal(got.get("home.example.org/ipv4")?.kind, "unknown");
    assert.match((got.get("home.example.org/ipv4") as { reason: string }).reason, /access_key_id and secret_access_key/);
    assert.equal(mock.requests.length, 1);
  });
});
