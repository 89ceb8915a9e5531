import { describe, it, afterEach } from "node:test";
import assert from "node:assert/strict";
import { createCloudflare } from "../../../src/provider/cloudflare/cloudflare.js";
import { createHttpClient } from "../../../src/net/http.js";
import type { DnsProvider, PushOutcome, RecordUpdate } from "../../../src/provider/types.js";
import { startCloudflareServer, type CloudflareServer, type CloudflareServerOptions } from "../../helpers/cloudflare-server.js";
import { scannedProvider } from "../../helpers/record-api-suite.js";

const TOKEN = "cfTok3n_SECRET_value_0123456789abcdef";
const ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";
const NOW = Date.UTC(2026, 10, 27, 6, 0, 0);

let server: CloudflareServer | undefined;
afterEach(async () => {
  if (server) {
    const seen = server.violations();
    await server.close();
    server = undefined;
    assert.deepEqual(seen, [], "the mock saw requests Cloudflare would refuse");
  }
});

async function setup(opts: Partial<CloudflareServerOptions> = {}, values: Record<string, string | boolean> = {}): Promise<{ cf: DnsProvider; srv: CloudflareServer }> {
  server = await startCloudflareServer({ token: TOKEN, zones: [{ name: "example.org", id: ZONE_ID }], ...opts });
  // Every outcome, verify result and error is scanned for the configured token and the one the mock accepts.
  const cf = scannedProvider(
    { name: "home", type: "cloudflare", values: { type: "cloudflare", token: TOKEN, endpoint: server.url, ...values }, secretKeys: ["token"] },
    (s) => createCloudflare(s, { http: createHttpClient({ userAgent: "ddns/0.1.0 (+https://github.com/ddns-debian/ddns)" }), now: () => NOW, userAgent: "ddns/0.1.0" }),
    [TOKEN, opts.token ?? TOKEN],
  );
  return { cf, srv: server };
}

function update(name: string, addresses: string[], extra: Partial<RecordUpdate> = {}): RecordUpdate {
  const family = addresses[0]?.includes(":") ? "ipv6" : "ipv4";
  return { key: `${name}/${family}`, name, family, addresses, previous: null, ...extra };
}

async function pushOne(cf: DnsProvider, u: RecordUpdate): Promise<PushOutcome> {
  const out = await cf.push([u], new AbortController().signal);
  assert.equal(out.size, 1);
  const o = out.get(u.key);
  assert.ok(o);
  return o;
}

function calls(srv: CloudflareServer): string[] {
  return srv.requests.map((r) => `${r.method} ${r.path}${Object.keys(r.query).length ? "?" + new URLSearchParams(r.query).toString() : ""}`);
}

describe("Provider - cloudflare push", () => {
  it("no record yet/first push/walks suffixes, creates with ttl auto and caches ids", async () => {
    const { cf, srv } = await setup();
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.7"]));
    assert.equal(o.kind, "updated");
    assert.deepEqual(calls(srv), [
      "GET /zones?name=home.example.org",
      "GET /zones?name=example.org",
      `GET /zones/${ZONE_ID}/dns_records?type=A&name=home.example.org&per_page=100&page=1`,
      `POST /zones/${ZONE_ID}/dns_records`,
    ]);
    const post = srv.requests[3];
    assert.deepEqual(post?.body, { type: "A", name: "home.example.org", content: "203.0.113.7", ttl: 1, proxied: false });
    assert.equal(post?.headers["authorization"], `Bearer ${TOKEN}`);
    const rec = srv.records()[0];
    assert.equal(rec?.content, "203.0.113.7");
    assert.deepEqual(o.kind === "updated" && o.cache, { zone: ZONE_ID, record: rec?.id });
  });

  it("nothing due/push of an empty list/no request", async () => {
    const { cf, srv } = await setup();
    const out = await cf.push([], new AbortController().signal);
    assert.equal(out.size, 0);
    assert.equal(srv.count(), 0);
  });

  it("record exists/first push/PATCHes content only, keeping ttl, proxied and comment", async () => {
    const { cf, srv } = await setup({
      records: [{ id: "372e67954025e0ba6aaa6d586b9e0b59", name: "home.example.org", type: "A", content: "198.51.100.1", ttl: 300, proxied: true, comment: "mine" }],
    });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.7"]));
    assert.equal(o.kind, "updated");
    const patch = srv.requests.at(-1);
    assert.equal(patch?.method, "PATCH");
    assert.equal(patch?.path, `/zones/${ZONE_ID}/dns_records/372e67954025e0ba6aaa6d586b9e0b59`);
    assert.deepEqual(patch?.body, { content: "203.0.113.7" });
    assert.equal(patch?.headers["content-type"], "application/json");
    const rec = srv.records()[0];
    assert.deepEqual([rec?.content, rec?.ttl, rec?.proxied, rec?.comment], ["203.0.113.7", 300, true, "mine"]);
  });

  it("record already right/first push/unchanged after one lookup, ids cached", async () => {
    const { cf, srv } = await setup({ records: [{ id: "aaaa67954025e0ba6aaa6d586b9e0b59", name: "home.example.org", type: "AAAA", content: "2001:db8::7" }] });
    const o = await pushOne(cf, update("home.example.org", ["2001:db8::7"]));
    assert.deepEqual(o, { kind: "unchanged", cache: { zone: ZONE_ID, record: "aaaa67954025e0ba6aaa6d586b9e0b59" } });
    assert.ok(srv.requests.every((r) => r.method === "GET"));
    assert.equal(srv.requests.at(-1)?.query["type"], "AAAA");
  });

  it("ids cached/one change/exactly one PATCH", async () => {
    const { cf, srv } = await setup({ records: [{ id: "372e67954025e0ba6aaa6d586b9e0b59", name: "home.example.org", type: "A", content: "198.51.100.1" }] });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: { zone: ZONE_ID, record: "372e67954025e0ba6aaa6d586b9e0b59" } }));
    assert.deepEqual(o, { kind: "updated", cache: { zone: ZONE_ID, record: "372e67954025e0ba6aaa6d586b9e0b59" } });
    assert.deepEqual(calls(srv), [`PATCH /zones/${ZONE_ID}/dns_records/372e67954025e0ba6aaa6d586b9e0b59`]);
    assert.equal(srv.records()[0]?.content, "203.0.113.8");
  });

  it("ttl configured/PATCH and POST/carry the ttl", async () => {
    const { cf, srv } = await setup({ records: [{ id: "372e67954025e0ba6aaa6d586b9e0b59", name: "home.example.org", type: "A", content: "198.51.100.1" }] });
    await pushOne(cf, update("home.example.org", ["203.0.113.8"], { ttl: 120, cache: { zone: ZONE_ID, record: "372e67954025e0ba6aaa6d586b9e0b59" } }));
    assert.deepEqual(srv.requests.at(-1)?.body, { content: "203.0.113.8", ttl: 120 });
    await pushOne(cf, update("new.example.org", ["203.0.113.8"], { ttl: 120, cache: { zone: ZONE_ID } }));
    assert.deepEqual(srv.requests.at(-1)?.body, { type: "A", name: "new.example.org", content: "203.0.113.8", ttl: 120, proxied: false });
  });

  it("cached record deleted in the dashboard/one change/looks up once and creates", async () => {
    const { cf, srv } = await setup({ records: [{ id: "372e67954025e0ba6aaa6d586b9e0b59", name: "home.example.org", type: "A", content: "198.51.100.1" }] });
    srv.deleteRecord("372e67954025e0ba6aaa6d586b9e0b59");
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.9"], { cache: { zone: ZONE_ID, record: "372e67954025e0ba6aaa6d586b9e0b59" } }));
    assert.equal(o.kind, "updated");
    assert.deepEqual(calls(srv), [
      `PATCH /zones/${ZONE_ID}/dns_records/372e67954025e0ba6aaa6d586b9e0b59`,
      `GET /zones/${ZONE_ID}/dns_records?type=A&name=home.example.org&per_page=100&page=1`,
      `POST /zones/${ZONE_ID}/dns_records`,
    ]);
    const rec = srv.records()[0];
    assert.deepEqual(o.kind === "updated" && o.cache, { zone: ZONE_ID, record: rec?.id });
  });

  it("cached zone id unknown/one change/zone and record looked up again once", async () => {
    const { cf, srv } = await setup({ records: [{ id: "372e67954025e0ba6aaa6d586b9e0b59", name: "home.example.org", type: "A", content: "198.51.100.1" }] });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.9"], { cache: { zone: "ffffffffffffffffffffffffffffffff", record: "372e67954025e0ba6aaa6d586b9e0b59" } }));
    assert.equal(o.kind, "updated");
    assert.deepEqual(calls(srv), [
      "PATCH /zones/ffffffffffffffffffffffffffffffff/dns_records/372e67954025e0ba6aaa6d586b9e0b59",
      "GET /zones?name=home.example.org",
      "GET /zones?name=example.org",
      `GET /zones/${ZONE_ID}/dns_records?type=A&name=home.example.org&per_page=100&page=1`,
      `PATCH /zones/${ZONE_ID}/dns_records/372e67954025e0ba6aaa6d586b9e0b59`,
    ]);
  });

  it("zone set in config and several records/one push/one zone lookup", async () => {
    const { cf, srv } = await setup({}, { zone: "example.org", proxied: true });
    const out = await cf.push(
      [update("a.example.org", ["203.0.113.1"]), update("b.example.org", ["203.0.113.1"]), update("a.example.org", ["2001:db8::1"])],
      new AbortController().signal,
    );
    assert.deepEqual([...out.values()].map((o) => o.kind), ["updated", "updated", "updated"]);
    assert.equal(srv.requests.filter((r) => r.path === "/zones").length, 1);
    assert.equal(srv.requests[0]?.query["name"], "example.org");
    assert.ok(srv.records().every((r) => r.proxied));
  });

  it("delegated sub-zone in the account/first push/the longest suffix wins", async () => {
    const { cf, srv } = await setup({ zones: [{ name: "example.org", id: ZONE_ID }, { name: "lab.example.org", id: "11111111111111111111111111111111" }] });
    await pushOne(cf, update("pi.lab.example.org", ["203.0.113.1"]));
    assert.equal(srv.records()[0]?.zone_id, "11111111111111111111111111111111");
  });

  it("name outside every zone/first push/permanent naming the record", async () => {
    const { cf } = await setup();
    const o = await pushOne(cf, update("home.example.com", ["203.0.113.1"]));
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /home\.example\.com/);
  });

  it("empty address set/push/nothing deleted, no request", async () => {
    const { cf, srv } = await setup({ records: [{ name: "home.example.org", type: "A", content: "198.51.100.1" }] });
    const o = await pushOne(cf, update("home.example.org", [], { key: "home.example.org/ipv4", family: "ipv4" }));
    assert.equal(o.kind, "transient");
    assert.equal(srv.count(), 0);
    assert.equal(srv.records().length, 1);
  });

  it("several records ddns published for the name/set of one address/one kept, its others deleted, said so", async () => {
    const { cf, srv } = await setup({
      records: [
        { name: "home.example.org", type: "A", content: "198.51.100.1" },
        { name: "home.example.org", type: "A", content: "198.51.100.2" },
        { name: "home.example.org", type: "A", content: "203.0.113.5" },
      ],
    });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.5", "203.0.113.6"], { previous: ["198.51.100.1", "198.51.100.2"] }));
    assert.equal(o.kind, "updated");
    assert.match(o.kind === "updated" ? o.message ?? "" : "", /3 A record/);
    assert.deepEqual(srv.records().map((r) => r.content).sort(), ["203.0.113.5", "203.0.113.6"]);
    assert.deepEqual(o.kind === "updated" && o.cache, { zone: ZONE_ID });
  });
});

describe("Provider - cloudflare failures", () => {
  const cached = { zone: ZONE_ID, record: "372e67954025e0ba6aaa6d586b9e0b59" };
  const records = [{ id: "372e67954025e0ba6aaa6d586b9e0b59", name: "home.example.org", type: "A", content: "198.51.100.1" }];

  it("rate limited/push/transient with retry-after in ms, for the whole account", async () => {
    const { cf, srv } = await setup({ records });
    srv.fail({ status: 429, headers: { "retry-after": "120" }, body: { success: false, errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }], messages: [], result: null } });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: cached }));
    assert.deepEqual(o, { kind: "transient", reason: o.kind === "transient" ? o.reason : "", retryAfterMs: 120_000, cache: cached, account: true });
    assert.equal(srv.count(), 1);
  });

  it("rate limited, three records due/push/one request, the others not sent, five minutes without Retry-After", async () => {
    const { cf, srv } = await setup({ records });
    srv.fail({ status: 429, body: { success: false, errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }], messages: [], result: null } });
    const out = await cf.push(
      [update("home.example.org", ["203.0.113.8"], { cache: cached }), update("a.example.org", ["203.0.113.9"]), update("b.example.org", ["203.0.113.9"])],
      AbortSignal.timeout(5000),
    );
    assert.equal(srv.count(), 1);
    for (const o of out.values()) {
      assert.equal(o.kind, "transient");
      assert.equal(o.kind === "transient" && o.account, true);
      assert.equal(o.kind === "transient" && o.retryAfterMs, 5 * 60_000);
    }
  });

  it("records of the name on two pages/first push/both pages read, the wanted one kept, no create", async () => {
    const mine = [
      { id: "a1", name: "home.example.org", type: "A", content: "198.51.100.1" },
      { id: "a2", name: "home.example.org", type: "A", content: "198.51.100.2" },
      { id: "a3", name: "home.example.org", type: "A", content: "198.51.100.3" },
    ];
    const { cf, srv } = await setup({ records: mine, maxPerPage: 2 });
    const o = await pushOne(cf, update("home.example.org", ["198.51.100.3"], { previous: ["198.51.100.1", "198.51.100.2", "198.51.100.3"] }));
    assert.equal(o.kind, "updated");
    const lists = srv.requests.filter((r) => r.method === "GET" && r.path.endsWith("/dns_records"));
    assert.deepEqual(lists.map((r) => r.query["page"]), ["1", "2"]);
    assert.ok(!srv.requests.some((r) => r.method === "POST"));
    assert.deepEqual(srv.records().filter((r) => r.name === "home.example.org").map((r) => r.content), ["198.51.100.3"]);
  });

  it("round robin that is not ddns's/first push/refused naming the records, nothing deleted", async () => {
    const rr = [
      { id: "r1", name: "www.example.org", type: "A", content: "198.51.100.11" },
      { id: "r2", name: "www.example.org", type: "A", content: "198.51.100.12" },
    ];
    const { cf, srv } = await setup({ records: rr });
    const o = await pushOne(cf, update("www.example.org", ["203.0.113.7"]));
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /2 A records for www\.example\.org \(198\.51\.100\.11, 198\.51\.100\.12\).*not published by ddns/);
    assert.ok(srv.requests.every((r) => r.method === "GET"));
  });

  it("rate limited with an HTTP date/push/retry-after counted from now", async () => {
    const { cf, srv } = await setup({ records });
    srv.fail({ status: 429, headers: { "retry-after": new Date(NOW + 90_000).toUTCString() }, body: "" });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: cached }));
    assert.equal(o.kind === "transient" && o.retryAfterMs, 90_000);
  });

  it("success false with HTTP 200/push/not counted as updated", async () => {
    const { cf, srv } = await setup({ records });
    srv.fail({ status: 200, body: { success: false, errors: [{ code: 1000, message: "Internal problem" }], messages: [], result: null } });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: cached }));
    assert.equal(o.kind, "transient");
    assert.equal(srv.records()[0]?.content, "198.51.100.1");
  });

  it("wrong token/push/permanent naming the record and the token key, never the token", async () => {
    const { cf } = await setup({ token: "another-token" });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"]));
    assert.equal(o.kind, "permanent");
    const reason = o.kind === "permanent" ? o.reason : "";
    assert.match(reason, /home\.example\.org/);
    assert.match(reason, /token key of \[providers\.home\]/);
    assert.match(reason, /9109/);
  });

  it("wrong token with cached ids/push/permanent after one request", async () => {
    const { cf, srv } = await setup({ token: "another-token", records });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: cached }));
    assert.equal(o.kind, "permanent");
    assert.equal(srv.count(), 1);
  });

  it("token without permission (403 10000)/push/permanent", async () => {
    const { cf, srv } = await setup({ records });
    srv.fail({ status: 403, body: { success: false, errors: [{ code: 10000, message: "Authentication error" }], messages: [], result: null } });
    srv.fail({ status: 403, body: { success: false, errors: [{ code: 10000, message: "Authentication error" }], messages: [], result: null } });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: cached }));
    assert.equal(o.kind, "permanent");
    assert.ok(srv.count() <= 2);
  });

  it("malformed JSON/push/transient", async () => {
    const { cf, srv } = await setup({ records });
    srv.fail({ status: 200, body: "<html>oops</html>" });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: cached }));
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /malformed/);
  });

  it("server error/push/transient keeping the cache", async () => {
    const { cf, srv } = await setup({ records });
    srv.fail({ status: 502, body: "bad gateway" });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: cached }));
    assert.equal(o.kind, "transient");
    assert.deepEqual(o.kind === "transient" && o.cache, cached);
  });

  it("create refused (validation)/push/permanent", async () => {
    const { cf, srv } = await setup();
    srv.fail({ method: "POST", status: 400, body: { success: false, errors: [{ code: 81053, message: "An A, AAAA, or CNAME record with that host already exists." }], messages: [], result: null } });
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: { zone: ZONE_ID } }));
    assert.deepEqual(srv.requests.map((r) => r.method), ["GET", "POST"]);
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /create the A record of home\.example\.org \(HTTP 400: 81053/);
  });

  it("API unreachable/push/transient naming the host, not the token", async () => {
    const { cf, srv } = await setup({ records });
    await srv.close();
    server = undefined;
    const o = await pushOne(cf, update("home.example.org", ["203.0.113.8"], { cache: cached }));
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /connection refused/);
  });

  it("signal already aborted/push/transient without a request", async () => {
    const { cf, srv } = await setup({ records });
    const out = await cf.push([update("home.example.org", ["203.0.113.8"], { cache: cached })], AbortSignal.abort());
    assert.equal(out.get("home.example.org/ipv4")?.kind, "transient");
    assert.equal(srv.count(), 0);
  });
});

describe("Provider - cloudflare verify", () => {
  it("valid token/verify/ok with one request", async () => {
    const { cf, srv } = await setup();
    assert.deepEqual(await cf.verify?.(new AbortController().signal), { ok: true });
    assert.deepEqual(calls(srv), ["GET /user/tokens/verify"]);
  });

  it("account-owned token/verify/ok through a read-only zone listing", async () => {
    const { cf, srv } = await setup({ accountOwnedToken: true });
    assert.deepEqual(await cf.verify?.(new AbortController().signal), { ok: true });
    assert.deepEqual(calls(srv), ["GET /user/tokens/verify", "GET /zones?per_page=1"]);
  });

  it("invalid token/verify/reason without the token", async () => {
    const { cf } = await setup({ token: "another-token" });
    const r = await cf.verify?.(new AbortController().signal);
    assert.equal(r?.ok, false);
  });
});

describe("Provider - cloudflare read (drift check, issue 17)", () => {
  const rec = (name: string, family: "ipv4" | "ipv6" = "ipv4") => ({ key: `${name}/${family}`, name, family });

  it("record as published/readRecords/zone lookup and one list GET, found with its id cached, nothing written", async () => {
    const { cf, srv } = await setup({ records: [{ name: "home.example.org", type: "A", content: "198.51.100.7", id: "rec1" }] });
    const got = (await cf.readRecords!([rec("home.example.org")], AbortSignal.timeout(5000))).get("home.example.org/ipv4");
    assert.deepEqual(got, { kind: "found", addresses: ["198.51.100.7"], cache: { zone: ZONE_ID, record: "rec1" } });
    assert.ok(srv.requests.every((r) => r.method === "GET"));
    const again = await cf.readRecords!([{ ...rec("home.example.org"), cache: { zone: ZONE_ID, record: "rec1" } }], AbortSignal.timeout(5000));
    assert.equal(again.get("home.example.org/ipv4")?.kind, "found");
    assert.equal(srv.requests.filter((r) => r.path.includes("/dns_records")).length, 2, "with the zone cached: one GET per record");
  });

  it("proxied record/readRecords/reported proxied (DNS would show Cloudflare's edge)", async () => {
    const { cf } = await setup({ records: [{ name: "home.example.org", type: "A", content: "198.51.100.7", id: "rec1", proxied: true }] });
    const got = (await cf.readRecords!([rec("home.example.org")], AbortSignal.timeout(5000))).get("home.example.org/ipv4");
    assert.equal(got?.kind === "found" ? got.proxied : "no", true);
  });

  it("record edited in the dashboard/read then repair/one PATCH puts the address back", async () => {
    const { cf, srv } = await setup({ records: [{ name: "home.example.org", type: "A", content: "192.0.2.99", id: "rec1" }] });
    const got = (await cf.readRecords!([rec("home.example.org")], AbortSignal.timeout(5000))).get("home.example.org/ipv4");
    assert.equal(got?.kind, "found");
    const before = srv.count();
    const o = await pushOne(cf, update("home.example.org", ["198.51.100.7"], { previous: got?.kind === "found" ? got.addresses : null, ...(got?.kind === "found" && got.cache ? { cache: got.cache } : {}) }));
    assert.equal(o.kind, "updated");
    assert.deepEqual(srv.requests.slice(before).map((r) => r.method), ["PATCH"]);
    assert.deepEqual(srv.records().map((r) => r.content), ["198.51.100.7"]);
  });

  it("record deleted in the dashboard/read then repair/found [], one POST recreates it", async () => {
    const { cf, srv } = await setup({ records: [] });
    const got = (await cf.readRecords!([rec("home.example.org")], AbortSignal.timeout(5000))).get("home.example.org/ipv4");
    assert.deepEqual(got, { kind: "found", addresses: [], cache: { zone: ZONE_ID } });
    const before = srv.count();
    const o = await pushOne(cf, update("home.example.org", ["198.51.100.7"], { previous: [], cache: { zone: ZONE_ID } }));
    assert.equal(o.kind, "updated");
    assert.deepEqual(srv.requests.slice(before).map((r) => r.method), ["POST"]);
    assert.deepEqual(srv.records().map((r) => r.content), ["198.51.100.7"]);
  });

  it("token without read permission/readRecords two records/unknown naming the token, the second not asked", async () => {
    const { cf, srv } = await setup({ token: "another-token-the-mock-accepts" });
    const out = await cf.readRecords!([rec("home.example.org"), rec("home.example.org", "ipv6")], AbortSignal.timeout(5000));
    const first = out.get("home.example.org/ipv4");
    assert.equal(first?.kind, "unknown");
    assert.match(first?.kind === "unknown" ? first.reason : "", /refused the token/);
    assert.match(out.get("home.example.org/ipv6")?.kind === "unknown" ? (out.get("home.example.org/ipv6") as { reason: string }).reason : "", /not asked/);
    assert.equal(srv.count(), 1);
  });
});
