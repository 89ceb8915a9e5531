import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { providerSpec } from "../../../src/provider/registry.js";
import { dyndns2Presets } from "../../../src/provider/dyndns2/spec.js";
import { createDyndns2 } from "../../../src/provider/dyndns2/dyndns2.js";
import { closeAfterEach, HOSTS, PASSWORD, push, reason, setupDyndns2, up } from "./dyndns2-fixture.js";

closeAfterEach();

describe("Provider - dyndns2 presets in the registry", () => {
  it("every preset/registry/listed with username and password keys and an https endpoint", () => {
    for (const p of dyndns2Presets()) {
      const spec = providerSpec(p.type);
      assert.ok(spec, p.type);
      // Dynu alone also takes zone (custom domains: hostname=<zone>&alias=<label>).
      assert.deepEqual(spec.keys.map((k) => k.name), p.type === "dynu" ? ["username", "password", "zone"] : ["username", "password"]);
      assert.equal(spec.keys[1]?.kind, "secret");
      assert.match(spec.defaultEndpoint, /^https:\/\/[a-z0-9.-]+$/);
    }
    assert.ok(dyndns2Presets().length >= 13);
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

  it("he/spec/username optional, dynv6/spec/username not needed", () => {
    assert.equal(providerSpec("he")?.keys[0]?.required, undefined);
    assert.equal(providerSpec("noip")?.keys[0]?.required, true);
    assert.equal(providerSpec("dynv6")?.keys[0]?.required, undefined);
  });

  it("every preset/descriptor/states its dual-stack rule and the document behind it", () => {
    for (const p of dyndns2Presets()) {
      assert.ok(["comma", "param", "separate"].includes(p.dual.both), p.type);
      assert.ok(["kept", "deleted", "source"].includes(p.dual.omitted), p.type);
      assert.ok(p.dual.source.length > 20, p.type);
      if (p.dual.both === "separate") assert.equal(p.dual.omitted, "kept", `${p.type}: separate requests need a service that keeps the other family`);
    }
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

  it("dynu/both families/one request, IPv4 in myip and IPv6 in myipv6", async () => {
    const { p, srv } = await setupDyndns2("dynu", { ipv6Param: "myipv6" });
    const out = await push(p, [up("a.example.org", "2001:db8::7"), up("a.example.org", "203.0.113.7")]);
    assert.deepEqual(out.map((o) => o.kind), ["updated", "updated"]);
    assert.equal(srv.count(), 1);
    assert.deepEqual(srv.requests[0]?.query, { hostname: "a.example.org", myip: "203.0.113.7", myipv6: "2001:db8::7" });
    assert.deepEqual(srv.addresses()["a.example.org"], { ipv4: "203.0.113.7", ipv6: "2001:db8::7" });
  });

  it("dynu/one family, other unknown/the other is kept with myip=no or myipv6=no, not taken from the connection", async () => {
    const { p, srv } = await setupDyndns2("dynu", { ipv6Param: "myipv6", addresses: { "a.example.org": { ipv4: "198.51.100.9", ipv6: "2001:db8::9" } } });
    await push(p, [up("a.example.org", "2001:db8::7")]);
    await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.deepEqual(srv.requests[0]?.query, { hostname: "a.example.org", myipv6: "2001:db8::7", myip: "no" });
    assert.deepEqual(srv.requests[1]?.query, { hostname: "a.example.org", myip: "203.0.113.7", myipv6: "no" });
    assert.deepEqual(srv.addresses()["a.example.org"], { ipv4: "203.0.113.7", ipv6: "2001:db8::7" });
  });

  it("noip/both families/one request myip=v4,v6, answer covers both", async () => {
    const { p, srv } = await setupDyndns2("noip");
    const out = await push(p, [up("a.example.org", "203.0.113.7"), up("a.example.org", "2001:db8::7")]);
    assert.deepEqual(out.map((o) => o.kind), ["updated", "updated"]);
    assert.deepEqual(srv.requests.map((r) => r.query["myip"]), ["203.0.113.7,2001:db8::7"]);
  });

  it("noip/IPv6 only, A published/the A goes along, so No-IP does not refill it from the connection", async () => {
    const { p, srv } = await setupDyndns2("noip", { addresses: { "a.example.org": { ipv4: "203.0.113.7" } } });
    await push(p, [up("a.example.org", "2001:db8::7", { sibling: { family: "ipv4", addresses: ["203.0.113.7"] } })]);
    assert.deepEqual(srv.addresses()["a.example.org"], { ipv4: "203.0.113.7", ipv6: "2001:db8::7" });
  });

  it("noip/IPv6 only, no A known/the request travels over IPv6; over IPv4 No-IP would rewrite the A", async () => {
    const families: Array<number | undefined> = [];
    const { p, srv } = await setupDyndns2("noip", { addresses: { "a.example.org": { ipv4: "203.0.113.7" } } }, { username: "me@example.org" }, (h) => ({
      request: (req) => {
        families.push(req.family);
        // The mock listens on 127.0.0.1 only: forward without the pin to observe what IPv4 transport would do.
        const { family: _f, ...rest } = req;
        return h.request(rest);
      },
    }));
    await push(p, [up("a.example.org", "2001:db8::7")]);
    assert.deepEqual(families, [6]);
    // Sent over IPv4 instead, the service fills the A from the source address: what the pin prevents.
    assert.equal(srv.addresses()["a.example.org"]?.ipv4, "127.0.0.1");
  });

  it("he and selfhost/both families/two requests (the combined form is refused: badip, abuse)", async () => {
    for (const type of ["he", "selfhost"]) {
      const { p, srv } = await setupDyndns2(type, type === "he"
        ? { accounts: [{ username: "a.example.org", password: PASSWORD, hosts: ["a.example.org"] }], maxHosts: 1 }
        : { style: "selfhost", maxHosts: 1 }, type === "he" ? {} : { username: "me@example.org" });
      const out = await push(p, [up("a.example.org", "203.0.113.7"), up("a.example.org", "2001:db8::7")]);
      assert.deepEqual(out.map((o) => o.kind), ["updated", "updated"], type);
      assert.deepEqual(srv.requests.map((r) => r.query["myip"]), ["203.0.113.7", "2001:db8::7"], type);
    }
  });

  it("dynu with zone/host below the custom domain/hostname=<zone>&alias=<label>, one host per request; the zone itself and a free name whole", async () => {
    const { p, srv } = await setupDyndns2(
      "dynu",
      { ipv6Param: "myipv6", aliasZones: ["example.org"], accounts: [{ username: "me@example.org", password: PASSWORD, hosts: ["a.example.org", "b.example.org", "example.org", "me.dynu.net"] }] },
      { username: "me@example.org", zone: "Example.org." },
    );
    const out = await push(p, [up("a.example.org", "203.0.113.7"), up("b.example.org", "203.0.113.7"), up("example.org", "203.0.113.7"), up("me.dynu.net", "203.0.113.7")]);
    assert.deepEqual(out.map((o) => o.kind), ["updated", "updated", "updated", "updated"]);
    const asked = srv.requests.map((r) => `${r.query["hostname"]}|${r.query["alias"] ?? ""}`).sort();
    assert.deepEqual(asked, ["example.org,me.dynu.net|", "example.org|a", "example.org|b"]);
    assert.equal(srv.addresses()["a.example.org"]?.ipv4, "203.0.113.7");
  });

  it("dynu without zone/host below a custom domain/sent whole, which Dynu does not take for custom domains (nohost): zone is the fix", async () => {
    const { p } = await setupDyndns2("dynu", { aliasZones: ["example.org"] });
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.equal(o?.kind, "permanent");
    assert.match(reason(o), /nohost/);
  });

  it("dynu/spec/zone is an optional key; no other preset takes it", async () => {
    const { DYNDNS2_TYPES, dyndns2Spec } = await import("../../../src/provider/dyndns2/spec.js");
    for (const s of DYNDNS2_TYPES.map((t) => dyndns2Spec(t)!)) {
      const zone = s.keys.find((k) => k.name === "zone");
      assert.equal(zone !== undefined, s.type === "dynu", s.type);
      assert.notEqual(zone?.required, true);
    }
  });

  it("infomaniak/infomaniak.com redirects to a subdomain/followed once, credentials kept on the site, updated with a note naming the endpoint", async () => {
    const { startDyndns2Server } = await import("../../helpers/dyndns2-server.js");
    const www = await startDyndns2Server({ accounts: [{ username: "me@example.org", password: PASSWORD, hosts: HOSTS }], style: "infomaniak", maxHosts: 1 });
    try {
      const { p, srv } = await setupDyndns2("infomaniak", { style: "infomaniak", maxHosts: 1 });
      srv.force({ status: 301, body: "", headers: { location: `${www.url}/nic/update?hostname=a.example.org&myip=203.0.113.7` } });
      const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
      assert.equal(o?.kind, "updated");
      assert.match(o?.kind === "updated" ? (o.message ?? "") : "", new RegExp(`redirected the update of a\\.example\\.org to ${www.url.replace(/[.]/g, "\\.")}: set endpoint`));
      assert.equal(www.count(), 1);
      assert.equal(www.requests[0]?.headers["authorization"], "Basic " + Buffer.from(`me@example.org:${PASSWORD}`).toString("base64"));
      assert.deepEqual(www.violations(), []);
    } finally {
      await www.close();
    }
  });

  it("infomaniak/redirect to another host or scheme/permanent, not followed, nothing sent there", async () => {
    for (const location of ["http://localhost:9/nic/update", "https://127.0.0.1/nic/update", "http://evil.example/nic/update"]) {
      const { p, srv } = await setupDyndns2("infomaniak", { style: "infomaniak", maxHosts: 1 });
      srv.force({ status: 302, body: "", headers: { location } });
      const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
      assert.equal(o?.kind, "permanent", location);
      assert.match(reason(o), /redirected the update .*set endpoint/);
      assert.equal(srv.count(), 1);
    }
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

  it("dynv6/both families/one GET /api/update?zone=&token=&ipv4=&ipv6=, no Basic auth", async () => {
    const { p, srv } = await setupDyndns2("dynv6", { path: "/api/update", accounts: [{ username: "", password: PASSWORD, hosts: ["home.dynv6.net"] }] }, {});
    const out = await push(p, [up("home.dynv6.net", "203.0.113.7"), up("home.dynv6.net", "2001:db8::7")]);
    assert.deepEqual(out.map((o) => o.kind), ["updated", "updated"]);
    assert.deepEqual(srv.requests[0]?.query, { zone: "home.dynv6.net", token: PASSWORD, ipv4: "203.0.113.7", ipv6: "2001:db8::7" });
    assert.equal(srv.requests[0]?.headers["authorization"], undefined);
    assert.deepEqual((await push(p, [up("home.dynv6.net", "2001:db8::7")])).map((o) => o.kind), ["unchanged"]);
    assert.deepEqual(srv.requests[1]?.query, { zone: "home.dynv6.net", token: PASSWORD, ipv6: "2001:db8::7" });
  });

  it("dynv6/bad token or unknown zone/permanent, naming the fix", async () => {
    const { p } = await setupDyndns2("dynv6", { path: "/api/update", accounts: [{ username: "", password: "other-token", hosts: ["home.dynv6.net"] }] }, {});
    const [o] = await push(p, [up("home.dynv6.net", "2001:db8::7")]);
    assert.equal(o?.kind, "permanent");
    assert.match(reason(o), /token/);
    const { p: p2 } = await setupDyndns2("dynv6", { path: "/api/update", accounts: [{ username: "", password: PASSWORD, hosts: ["other.dynv6.net"] }] }, {});
    assert.match(reason((await push(p2, [up("home.dynv6.net", "203.0.113.7")]))[0]), /zone/);
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
