import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { providerSpec } from "../../../src/provider/registry.js";
import { DYNDNS2_PRESETS } from "../../../src/provider/dyndns2/spec.js";
import { createDyndns2 } from "../../../src/provider/dyndns2/dyndns2.js";
import { closeAfterEach, PASSWORD, push, reason, setupDyndns2, up } from "./dyndns2-fixture.js";

closeAfterEach();

describe("Provider - dyndns2 presets in the registry", () => {
  it("every preset/registry/listed with username and password keys and an https endpoint", () => {
    for (const p of DYNDNS2_PRESETS) {
      const spec = providerSpec(p.type);
      assert.ok(spec, p.type);
      assert.deepEqual(spec.keys.map((k) => k.name), ["username", "password"]);
      assert.equal(spec.keys[1]?.kind, "secret");
      assert.match(spec.defaultEndpoint, /^https:\/\/[a-z0-9.-]+$/);
    }
    assert.ok(DYNDNS2_PRESETS.length >= 13);
  });

  it("documented endpoints/registry/as each service documents them", () => {
    const want: Record<string, string> = {
      noip: "https://dynupdate.no-ip.com",
      dynu: "https://api.dynu.com",
      he: "https://dyn.dns.he.net",
      ovh: "https://www.ovh.com",
      strato: "https://dyndns.strato.com",
      infomaniak: "https://infomaniak.com",
      dnsomatic: "https://updates.dnsomatic.com",
      selfhost: "https://carol.selfhost.de",
      dyndns: "https://members.dyndns.org",
    };
    for (const [type, endpoint] of Object.entries(want)) assert.equal(providerSpec(type)?.defaultEndpoint, endpoint, type);
  });

  it("services that expire idle hosts/registry/refresh every 25 days, others never", () => {
    assert.equal(providerSpec("noip")?.refreshDays, 25);
    assert.equal(providerSpec("dyndns2")?.refreshDays, 25);
    assert.equal(providerSpec("he")?.refreshDays, undefined);
  });

  it("he/spec/username optional, dynv6/spec/username defaults to none", () => {
    assert.equal(providerSpec("he")?.keys[0]?.required, undefined);
    assert.equal(providerSpec("noip")?.keys[0]?.required, true);
    assert.equal(providerSpec("dynv6")?.keys[0]?.default, "none");
  });

  it("type that is not dyndns2/create/refused", () => {
    const deps = { http: { request: () => Promise.reject(new Error("no")) }, now: () => 0, userAgent: "x" };
    assert.throws(() => createDyndns2({ name: "x", type: "cloudflare", values: { password: "p" }, secretKeys: [] }, deps));
  });
});

describe("Provider - dyndns2 preset quirks", () => {
  it("he/two hosts/one request each, username = the host, password = its key", async () => {
    const { p, srv } = await setupDyndns2(
      "he",
      { accounts: [{ username: "a.example.org", password: PASSWORD, hosts: ["a.example.org"] }, { username: "b.example.org", password: PASSWORD, hosts: ["b.example.org"] }], maxHosts: 1 },
      {},
    );
    const out = await push(p, [up("a.example.org", "203.0.113.7"), up("b.example.org", "203.0.113.7")]);
    assert.deepEqual(out.map((o) => o.kind), ["updated", "updated"]);
    assert.deepEqual(srv.requests.map((r) => [r.username, r.query["hostname"]]), [["a.example.org", "a.example.org"], ["b.example.org", "b.example.org"]]);
  });

  it("he/answers interval or noipv6/transient or permanent with the fix", async () => {
    const { p, srv } = await setupDyndns2("he", { accounts: [{ username: "a.example.org", password: PASSWORD, hosts: ["a.example.org"] }] }, {});
    srv.force({ body: "interval" });
    srv.force({ body: "noipv6" });
    const [o1] = await push(p, [up("a.example.org", "203.0.113.7")]);
    const [o2] = await push(p, [up("a.example.org", "2001:db8::7")]);
    assert.equal(o1?.kind, "transient");
    assert.equal(o2?.kind, "permanent");
    assert.match(reason(o2), /AAAA record.*dynamic/);
  });

  it("ovh/push/sends system=dyndns", async () => {
    const { p, srv } = await setupDyndns2("ovh", { requireQuery: { system: "dyndns" }, maxHosts: 1 });
    const out = await push(p, [up("a.example.org", "203.0.113.7"), up("b.example.org", "203.0.113.7")]);
    assert.deepEqual(out.map((o) => o.kind), ["updated", "updated"]);
    assert.equal(srv.count(), 2);
    assert.equal(srv.requests[0]?.query["system"], "dyndns");
  });

  it("ovh/answers badrequest/permanent", async () => {
    const { p, srv } = await setupDyndns2("ovh");
    srv.force({ body: "badrequest" });
    assert.equal((await push(p, [up("a.example.org", "203.0.113.7")]))[0]?.kind, "permanent");
  });

  it("dynu/IPv6 push/address in myipv6 with myip=no, IPv4 in myip", async () => {
    const { p, srv } = await setupDyndns2("dynu", { ipv6Param: "myipv6" });
    const out = await push(p, [up("a.example.org", "2001:db8::7"), up("a.example.org", "203.0.113.7")]);
    assert.deepEqual(out.map((o) => o.kind), ["updated", "updated"]);
    assert.deepEqual(srv.requests[0]?.query, { hostname: "a.example.org", myip: "no", myipv6: "2001:db8::7" });
    assert.deepEqual(srv.requests[1]?.query, { hostname: "a.example.org", myip: "203.0.113.7" });
    assert.deepEqual(srv.addresses()["a.example.org"], { ipv4: "203.0.113.7", ipv6: "2001:db8::7" });
  });

  it("dynu/answers servererror/transient", async () => {
    const { p, srv } = await setupDyndns2("dynu");
    srv.force({ body: "servererror" });
    assert.equal((await push(p, [up("a.example.org", "203.0.113.7")]))[0]?.kind, "transient");
  });

  it("infomaniak/unknown host and bad password as HTTP 400/permanent", async () => {
    const { p } = await setupDyndns2("infomaniak", { style: "infomaniak", maxHosts: 1 });
    const [o] = await push(p, [up("x.example.org", "203.0.113.7")]);
    assert.equal(o?.kind, "permanent");
    assert.match(reason(o), /nohost/);
    const { p: bad } = await setupDyndns2("infomaniak", { style: "infomaniak" }, { username: "wrong" });
    const [o2] = await push(bad, [up("a.example.org", "203.0.113.7")]);
    assert.match(reason(o2), /badauth/);
  });

  it("selfhost/status codes/good, 204 unchanged, 401 and 409 permanent", async () => {
    const { p, srv } = await setupDyndns2("selfhost", { style: "selfhost", maxHosts: 1 });
    assert.equal((await push(p, [up("a.example.org", "203.0.113.7")]))[0]?.kind, "updated");
    assert.equal((await push(p, [up("a.example.org", "203.0.113.7")]))[0]?.kind, "unchanged");
    const [o409] = await push(p, [up("x.example.org", "203.0.113.7")]);
    assert.match(reason(o409), /no such zone/);
    srv.force({ status: 401, body: "" });
    assert.equal((await push(p, [up("a.example.org", "203.0.113.8")]))[0]?.kind, "permanent");
  });

  it("dnsomatic/push/wildcard, mx and backmx left unchanged, IPv4 only", async () => {
    const { p, srv } = await setupDyndns2("dnsomatic");
    await push(p, [up("a.example.org", "203.0.113.7"), up("b.example.org", "203.0.113.7")]);
    assert.deepEqual(srv.requests[0]?.query, { hostname: "a.example.org,b.example.org", myip: "203.0.113.7", wildcard: "NOCHG", mx: "NOCHG", backmx: "NOCHG" });
    assert.deepEqual(providerSpec("dnsomatic")?.families, ["ipv4"]);
  });

  it("dynv6/no username/sends none", async () => {
    const { p, srv } = await setupDyndns2("dynv6", { accounts: [{ username: "none", password: PASSWORD, hosts: ["a.example.org"] }] }, {});
    assert.equal((await push(p, [up("a.example.org", "2001:db8::7")]))[0]?.kind, "updated");
    assert.equal(srv.requests[0]?.username, "none");
  });

  it("loopia/push/path is the root", async () => {
    const { p, srv } = await setupDyndns2("loopia", { path: "/", maxHosts: 1 });
    assert.equal((await push(p, [up("a.example.org", "203.0.113.7")]))[0]?.kind, "updated");
    assert.equal(srv.requests[0]?.path, "/");
  });

  it("strato and allinkl/two hosts/one request per host", async () => {
    for (const type of ["strato", "allinkl"]) {
      const { p, srv } = await setupDyndns2(type, { maxHosts: 1 });
      await push(p, [up("a.example.org", "203.0.113.7"), up("b.example.org", "203.0.113.7")]);
      assert.equal(srv.count(), 2, type);
    }
  });
});
