import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { PushConfig } from "../../src/config/types.js";
import { authenticate } from "../../src/push/auth.js";
import { canonicalAddress, decide, isDomainName, type PolicyInput } from "../../src/push/policy.js";
import type { Credentials, PushRecord } from "../../src/push/types.js";
import { credentials } from "../../src/push/update-request.js";

const PASSWORD = "s3cret-push-password";
const config: PushConfig = { names: ["home.example.org", "nas.example.org"], username: "router", password: PASSWORD };
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
  });

  it("same address as the last push/decide/nochg and no write", () => {
    const last = { "home.example.org": { name: "home.example.org", ipv4: ["192.0.2.7"], ipv6: ["2001:db8::1"], time: 1, from: "x" } };
    const d = decide(input({ last }));
    assert.deepEqual(d.lines, ["nochg 192.0.2.7"]);
    assert.deepEqual(d.writes, []);
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
    const cfg: PushConfig = { names: ["home.example.org"], token: "tok-123" };
    assert.equal(authenticate(cfg, { kind: "bearer", token: "tok-123" }), "ok");
    assert.equal(authenticate(cfg, basic("anyone", "tok-123")), "ok");
    assert.equal(authenticate(cfg, { kind: "bearer", token: "tok-124" }), "failed");
    assert.equal(authenticate(cfg, basic("anyone", "tok-1234")), "failed");
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

  it("names and addresses/validate/as documented", () => {
    assert.equal(isDomainName("home.example.org"), true);
    assert.equal(isDomainName("-a.example.org"), false);
    assert.equal(isDomainName("1.2.3.4"), false);
    assert.equal(isDomainName("a_b.example.org"), false);
    assert.equal(canonicalAddress("2001:0DB8::0001"), "2001:db8::1");
    assert.equal(canonicalAddress("01.2.3.4"), undefined);
    assert.equal(canonicalAddress("example.org"), undefined);
  });
});
