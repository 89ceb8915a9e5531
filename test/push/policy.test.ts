import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { PushConfig } from "../../src/config/types.js";
import { authenticate } from "../../src/push/auth.js";
import { decide as decideOnly, type PolicyInput } from "../../src/push/policy.js";
import type { Credentials, PushRecord, RequestHead } from "../../src/push/types.js";
import { credentials, toUpdateRequest } from "../../src/push/update-request.js";
import { assertNoSecretsIn } from "../helpers/secrets.js";

const PASSWORD = "s3cret-push-password";
const config: PushConfig = { names: ["home.example.org", "nas.example.org"], username: "router", password: PASSWORD };
const TOKEN = "tok-123-push-bearer";
/** Every decision (answer lines, notes for the journal, writes) holds neither secret. */
function decide(i: PolicyInput): ReturnType<typeof decideOnly> {
  const d = decideOnly(i);
  assertNoSecretsIn([PASSWORD, TOKEN], [d]);
  return d;
}
const basic = (u: string, p: string): Credentials => ({ kind: "basic", username: u, password: p });

// Stand-in for ip-source/sanity.ts: the ranges a router must never push.
function check(addr: string, family: 4 | 6): string | undefined {
  if (family === 4 && /^(10\.|192\.168\.|127\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|0\.)/.test(addr)) return "not a public address";
  if (family === 6 && /^(fe80:|fd|fc|::1$|::$|::ffff:)/.test(addr)) return "not a public address";
  return undefined;
}

function input(over: Partial<PolicyInput["request"]> & { last?: Record<string, PushRecord> }, cfg: PushConfig = config): PolicyInput {
  return {
    config: cfg,
    request: { hostnames: ["home.example.org"], addresses: ["192.0.2.7"], credentials: basic("router", PASSWORD), ...over },
    from: "198.51.100.1",
    now: 1_800_000_000,
    last: (n) => over.last?.[n],
    check,
  };
}

describe("Push - policy", () => {
  it("good push/decide/good with the address and one write", () => {
    const d = decide(input({}));
    assert.equal(d.status, 200);
    assert.deepEqual(d.lines, ["good 192.0.2.7"]);
    assert.deepEqual(d.writes, [{ name: "home.example.org", ipv4: ["192.0.2.7"], ipv6: [], time: 1_800_000_000, from: "198.51.100.1" }]);
    assert.deepEqual(d.changed, ["home.example.org"]);
  });

  it("same address as the last push/decide/nochg, written again (heals a failed run) but not a change", () => {
    const last = { "home.example.org": { name: "home.example.org", ipv4: ["192.0.2.7"], ipv6: ["2001:db8::1"], time: 1, from: "x" } };
    const d = decide(input({ last }));
    assert.deepEqual(d.lines, ["nochg 192.0.2.7"]);
    assert.deepEqual(d.writes.map((w) => w.name), ["home.example.org"]);
    assert.deepEqual(d.changed, []);
  });

  it("changed address/decide/good", () => {
    const last = { "home.example.org": { name: "home.example.org", ipv4: ["192.0.2.8"], ipv6: [], time: 1, from: "x" } };
    assert.deepEqual(decide(input({ last })).lines, ["good 192.0.2.7"]);
  });

  it("wrong password/decide/badauth 401 with challenge, no write, counted", () => {
    const d = decide(input({ credentials: basic("router", "wrong") }));
    assert.equal(d.status, 401);
    assert.deepEqual(d.lines, ["badauth"]);
    assert.equal(d.challenge, true);
    assert.equal(d.authFailed, true);
    assert.deepEqual(d.writes, []);
    assert.ok(!JSON.stringify(d).includes(PASSWORD));
  });

  it("wrong user name/decide/badauth", () => {
    assert.deepEqual(decide(input({ credentials: basic("admin", PASSWORD) })).lines, ["badauth"]);
  });

  it("no credentials/decide/challenge but not counted as a failure", () => {
    const d = decide(input({ credentials: { kind: "none" } }));
    assert.deepEqual([d.status, d.challenge, d.authFailed], [401, true, false]);
  });

  it("unknown host/decide/nohost and no write", () => {
    const d = decide(input({ hostnames: ["other.example.org"] }));
    assert.deepEqual(d.lines, ["nohost"]);
    assert.deepEqual(d.writes, []);
  });

  it("not a domain name/decide/notfqdn", () => {
    assert.deepEqual(decide(input({ hostnames: ["home"] })).lines, ["notfqdn"]);
    assert.deepEqual(decide(input({ hostnames: ["a..b"] })).lines, ["notfqdn"]);
    assert.deepEqual(decide(input({ hostnames: ["-a.example.org"] })).lines, ["notfqdn"]);
    assert.deepEqual(decide(input({ hostnames: ["a_b.example.org"] })).lines, ["notfqdn"]);
    assert.deepEqual(decide(input({ hostnames: [] })).lines, ["notfqdn"]);
  });

  it("too many hostnames/decide/numhost", () => {
    assert.deepEqual(decide(input({ hostnames: Array.from({ length: 21 }, (_, i) => `h${i}.example.org`) })).lines, ["numhost"]);
  });

  it("several hostnames/decide/one line each in request order", () => {
    const d = decide(input({ hostnames: ["NAS.example.org.", "bad", "home.example.org", "x.example.org", "nas.example.org"] }));
    assert.deepEqual(d.lines, ["good 192.0.2.7", "notfqdn", "good 192.0.2.7", "nohost", "nochg 192.0.2.7"]);
    assert.deepEqual(
      d.writes.map((w) => w.name),
      ["nas.example.org", "home.example.org"],
    );
  });

  it("private address/decide/badip, nothing written, reason noted", () => {
    const d = decide(input({ addresses: ["192.168.1.10"] }));
    assert.deepEqual(d.lines, ["badip"]);
    assert.deepEqual(d.writes, []);
    assert.match(d.notes.join("\n"), /192\.168\.1\.10: not a public address/);
  });

  it("bogus address text/decide/badip", () => {
    assert.deepEqual(decide(input({ addresses: ["999.1.1.1"] })).lines, ["badip"]);
    assert.deepEqual(decide(input({ addresses: ["fe80::1%eth0"] })).lines, ["badip"]);
    assert.deepEqual(decide(input({ addresses: ["01.2.3.4"] })).lines, ["badip"]);
    assert.deepEqual(decide(input({ addresses: [] })).lines, ["badip"]);
  });

  it("CGNAT IPv4 with a global IPv6 (DS-Lite)/decide/good with the IPv6 only", () => {
    const d = decide(input({ addresses: ["100.64.1.2", "2001:DB8:0:0::1"] }));
    assert.deepEqual(d.lines, ["good 2001:db8::1"]);
    assert.deepEqual(d.writes[0]?.ipv4, []);
    assert.deepEqual(d.writes[0]?.ipv6, ["2001:db8::1"]);
  });

  it("IPv4 and IPv6/decide/both written, canonical and deduplicated", () => {
    const d = decide(input({ addresses: ["192.0.2.7", "2001:db8:0:0:0:0:0:1", "2001:db8::1"] }));
    assert.deepEqual(d.lines, ["good 192.0.2.7,2001:db8::1"]);
    assert.deepEqual([d.writes[0]?.ipv4, d.writes[0]?.ipv6], [["192.0.2.7"], ["2001:db8::1"]]);
  });

  it("IPv6 push after an IPv4 push/decide/nochg only when this push's families match", () => {
    const last = { "home.example.org": { name: "home.example.org", ipv4: ["192.0.2.7"], ipv6: [], time: 1, from: "x" } };
    assert.deepEqual(decide(input({ addresses: ["2001:db8::1"], last })).lines, ["good 2001:db8::1"]);
  });

  it("too many addresses/decide/badip", () => {
    const many = Array.from({ length: 9 }, (_, i) => `192.0.2.${i + 1}`);
    assert.deepEqual(decide(input({ addresses: many })).lines, ["badip"]);
  });

  it("bearer token/authenticate/ok; Basic with the token as password/ok", () => {
    const cfg: PushConfig = { names: ["home.example.org"], token: TOKEN };
    assert.equal(authenticate(cfg, { kind: "bearer", token: TOKEN }), "ok");
    assert.equal(authenticate(cfg, basic("anyone", TOKEN)), "ok");
    assert.equal(authenticate(cfg, { kind: "bearer", token: `${TOKEN.slice(0, -1)}X` }), "failed");
    assert.equal(authenticate(cfg, basic("anyone", `${TOKEN}4`)), "failed");
    // The decisions around it (scanned by decide()): good with the token, badauth without.
    assert.deepEqual(decide(input({ credentials: { kind: "bearer", token: TOKEN } }, cfg)).lines, ["good 192.0.2.7"]);
    assert.deepEqual(decide(input({ credentials: { kind: "bearer", token: `${TOKEN}4` } }, cfg)).lines, ["badauth"]);
  });

  it("password configured/authenticate/bearer with the password refused", () => {
    assert.equal(authenticate(config, { kind: "bearer", token: PASSWORD }), "failed");
  });

  it("no secret configured/authenticate/everything refused", () => {
    assert.equal(authenticate({ names: ["a.example.org"] }, basic("", "")), "failed");
    assert.equal(authenticate({ names: ["a.example.org"], username: "u" }, basic("u", "")), "failed");
  });

  it("Authorization header/parse/Basic, Bearer, junk", () => {
    assert.deepEqual(credentials(`Basic ${Buffer.from("router:pa:ss").toString("base64")}`), basic("router", "pa:ss"));
    assert.deepEqual(credentials("Bearer abc"), { kind: "bearer", token: "abc" });
    assert.deepEqual(credentials("Basic !!!"), { kind: "unsupported" });
    assert.deepEqual(credentials("Digest x"), { kind: "unsupported" });
    assert.deepEqual(credentials(undefined), { kind: "none" });
  });

  it("wildcard name configured/decide/good for exactly that name", () => {
    const cfg: PushConfig = { ...config, names: ["*.example.org"] };
    assert.deepEqual(decide(input({ hostnames: ["*.example.org"] }, cfg)).lines, ["good 192.0.2.7"]);
    assert.deepEqual(decide(input({ hostnames: ["a.example.org"] }, cfg)).lines, ["nohost"]);
  });
});

describe("Push - update request", () => {
  const head = (query: string, headers: Array<[string, string]> = []): RequestHead => ({
    method: "GET",
    path: "/nic/update",
    query,
    version: "HTTP/1.1",
    headers: new Map([["host", "ddns"], ...headers]),
  });

  it("FRITZ!Box URL without IPv6/read/empty list item dropped", () => {
    const r = toUpdateRequest(head("hostname=home.example.org&myip=192.0.2.7,"), "198.51.100.1");
    assert.equal(r.kind, "update");
    if (r.kind === "update") assert.deepEqual([r.update.hostnames, r.update.addresses], [["home.example.org"], ["192.0.2.7"]]);
  });

  it("myip and myipv6 and several hostnames/read/all kept in order", () => {
    const r = toUpdateRequest(head("hostname=a.example.org,b.example.org&myip=192.0.2.7&myipv6=2001:db8::1"), undefined);
    if (r.kind === "update") assert.deepEqual([r.update.hostnames, r.update.addresses], [["a.example.org", "b.example.org"], ["192.0.2.7", "2001:db8::1"]]);
    else assert.fail("not an update");
  });

  it("no address given/read/the sender's address (dyndns2), none for the Unix socket", () => {
    const r = toUpdateRequest(head("hostname=a.example.org"), "198.51.100.1");
    if (r.kind === "update") assert.deepEqual(r.update.addresses, ["198.51.100.1"]);
    const local = toUpdateRequest(head("hostname=a.example.org"), "local");
    if (local.kind === "update") assert.deepEqual(local.update.addresses, []);
  });

  it("credentials in the query/read/used only without an Authorization header", () => {
    const q = toUpdateRequest(head("hostname=a.example.org&username=router&password=pw"), undefined);
    if (q.kind === "update") assert.deepEqual(q.update.credentials, basic("router", "pw"));
    const t = toUpdateRequest(head("hostname=a.example.org&token=tk"), undefined);
    if (t.kind === "update") assert.deepEqual(t.update.credentials, { kind: "bearer", token: "tk" });
    const h = toUpdateRequest(head("hostname=a.example.org&password=pw", [["authorization", "Bearer hdr"]]), undefined);
    if (h.kind === "update") assert.deepEqual(h.update.credentials, { kind: "bearer", token: "hdr" });
  });

  it("other path/read/not found", () => {
    assert.equal(toUpdateRequest({ ...head(""), path: "/" }, undefined).kind, "not-found");
  });
});
