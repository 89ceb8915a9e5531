import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { closeAfterEach, HOSTS, PASSWORD, push, reason, setupDyndns2, UA, up } from "./dyndns2-fixture.js";

closeAfterEach();

describe("Provider - dyndns2 requests", () => {
  it("one host/first push/one GET with hostname, myip, Basic auth and User-Agent", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.deepEqual(o, { kind: "updated" });
    assert.equal(srv.count(), 1);
    const r = srv.requests[0];
    assert.equal(r?.method, "GET");
    assert.equal(r?.path, "/nic/update");
    assert.deepEqual(r?.query, { hostname: "a.example.org", myip: "203.0.113.7" });
    assert.equal(r?.headers["authorization"], "Basic " + Buffer.from(`me@example.org:${PASSWORD}`).toString("base64"));
    assert.equal(r?.headers["user-agent"], UA);
    assert.deepEqual(srv.addresses()["a.example.org"], { ipv4: "203.0.113.7" });
  });

  it("nothing due/push of an empty list/no request", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    assert.equal((await p.push([], new AbortController().signal)).size, 0);
    assert.equal(srv.count(), 0);
  });

  it("three hosts, same address/push/one request, one line per host in order", async () => {
    const { p, srv } = await setupDyndns2("dyndns2", { addresses: { "b.example.org": { ipv4: "203.0.113.7" } } });
    const out = await push(p, [up("a.example.org", "203.0.113.7"), up("b.example.org", "203.0.113.7"), up("x.example.org", "203.0.113.7")]);
    assert.equal(srv.count(), 1);
    assert.equal(srv.requests[0]?.query["hostname"], "a.example.org,b.example.org,x.example.org");
    assert.deepEqual(out.map((o) => o.kind), ["updated", "unchanged", "permanent"]);
    assert.match(reason(out[2]), /x\.example\.org.*\(nohost\)/);
  });

  it("IPv4 and IPv6 of one host/push/one request myip=v4,v6 (Dyn's rule), both kept", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    const out = await push(p, [up("a.example.org", "203.0.113.7"), up("a.example.org", "2001:db8::7")]);
    assert.deepEqual(out.map((o) => o.kind), ["updated", "updated"]);
    assert.deepEqual(srv.requests.map((r) => r.query["myip"]), ["203.0.113.7,2001:db8::7"]);
    assert.deepEqual(srv.addresses()["a.example.org"], { ipv4: "203.0.113.7", ipv6: "2001:db8::7" });
  });

  it("only IPv4 due, AAAA published/push/the AAAA goes along so Dyn does not delete it", async () => {
    const { p, srv } = await setupDyndns2("dyndns2", { addresses: { "a.example.org": { ipv4: "203.0.113.1", ipv6: "2001:db8::7" } } });
    const [o] = await push(p, [up("a.example.org", "203.0.113.7", { sibling: { family: "ipv6", addresses: ["2001:db8::7"] } })]);
    assert.equal(o?.kind, "updated");
    assert.deepEqual(srv.requests.map((r) => r.query["myip"]), ["203.0.113.7,2001:db8::7"]);
    assert.deepEqual(srv.addresses()["a.example.org"], { ipv4: "203.0.113.7", ipv6: "2001:db8::7" });
  });

  it("only IPv4 due, no other family configured/push/v4 alone (Dyn then deletes the AAAA, as documented)", async () => {
    const { p, srv } = await setupDyndns2("dyndns2", { addresses: { "a.example.org": { ipv4: "203.0.113.1", ipv6: "2001:db8::7" } } });
    await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.deepEqual(srv.requests.map((r) => r.query["myip"]), ["203.0.113.7"]);
    assert.deepEqual(srv.addresses()["a.example.org"], { ipv4: "203.0.113.7" });
  });

  it("hosts needing different addresses/push/one request per address", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    await push(p, [up("a.example.org", "203.0.113.7"), up("b.example.org", "203.0.113.8"), up("c.example.org", "203.0.113.7")]);
    assert.deepEqual(srv.requests.map((r) => r.query["hostname"]), ["a.example.org,c.example.org", "b.example.org"]);
  });

  it("more than 20 hosts/push/split so no request is refused with numhost", async () => {
    const many = Array.from({ length: 23 }, (_, i) => `h${i}.example.org`);
    const { p, srv } = await setupDyndns2("dyndns2", { accounts: [{ username: "me@example.org", password: PASSWORD, hosts: many }] });
    const out = await push(p, many.map((h) => up(h, "203.0.113.7")));
    assert.ok(out.every((o) => o.kind === "updated"));
    assert.equal(srv.count(), 2);
  });

  it("several addresses for one family/push/first sent, said so", async () => {
    const { p } = await setupDyndns2("dyndns2");
    const [o] = await push(p, [{ ...up("a.example.org", "203.0.113.7"), addresses: ["203.0.113.7", "203.0.113.9"] }]);
    assert.equal(o?.kind, "updated");
    assert.match(o?.kind === "updated" ? o.message ?? "" : "", /one address per family/);
  });

  it("empty address set/push/an outcome, no request", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    const [o] = await push(p, [{ ...up("a.example.org", "203.0.113.7"), addresses: [] }]);
    assert.equal(o?.kind, "transient");
    assert.equal(srv.count(), 0);
  });

  it("address already set/push/unchanged (nochg)", async () => {
    const { p } = await setupDyndns2("dyndns2", { addresses: { "a.example.org": { ipv4: "203.0.113.7" } } });
    assert.deepEqual(await push(p, [up("a.example.org", "203.0.113.7")]), [{ kind: "unchanged" }]);
  });
});

describe("Provider - dyndns2 answer codes", () => {
  const permanent = ["badauth", "!donator", "notfqdn", "nohost", "numhost", "abuse", "badagent", "!yours", "badsys", "!active"];
  for (const code of permanent) {
    it(`server answers ${code}/push/permanent naming the host and the code`, async () => {
      const { p, srv } = await setupDyndns2("noip");
      srv.force({ body: code });
      const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
      assert.equal(o?.kind, "permanent");
      assert.match(reason(o), new RegExp(`a\\.example\\.org.*\\(${code.replace("!", "\\!")}\\)`));
      if (["badauth", "nohost", "abuse", "!yours"].includes(code)) assert.match(reason(o), /\[providers\.home\]/);
    });
  }

  for (const code of ["911", "dnserr"]) {
    it(`server answers ${code}/push/transient, no retry for 30 minutes`, async () => {
      const { p, srv } = await setupDyndns2("noip");
      srv.force({ body: code });
      const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
      assert.equal(o?.kind, "transient");
      assert.ok(o?.kind === "transient" && (o.retryAfterMs ?? 0) >= 30 * 60_000);
    });
  }

  it("911 with a longer retry-after/push/the longer wait wins", async () => {
    const { p, srv } = await setupDyndns2("noip");
    srv.force({ body: "911", status: 503, headers: { "retry-after": "7200" } });
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.equal(o?.kind === "transient" && o.retryAfterMs, 7_200_000);
  });

  it("one account line for three hosts/push/applies to every host", async () => {
    const { p, srv } = await setupDyndns2("dyndns2", {}, { username: "someone-else" });
    const out = await push(p, HOSTS.map((h) => up(h, "203.0.113.7")));
    assert.equal(srv.count(), 1);
    assert.deepEqual(out.map((o) => o.kind), ["permanent", "permanent", "permanent"]);
    assert.match(reason(out[1]), /b\.example\.org.*badauth/);
  });

  it("good 127.0.0.1 when another address was asked/push/failure", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    srv.force({ body: "good 127.0.0.1" });
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.equal(o?.kind, "permanent");
  });

  it("good with a different address/push/held with the answer, never transient", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    srv.force({ body: "good 198.51.100.1" });
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.equal(o?.kind, "held");
    assert.deepEqual(o?.kind === "held" ? o.answered : [], ["198.51.100.1"]);
    assert.match(reason(o), /198\.51\.100\.1.*203\.0\.113\.7/);
  });

  it("good without an address, IPv6 spelled differently/push/updated", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    srv.force({ body: "good 203.0.113.7,2001:DB8:0:0::7\n" });
    const out = await push(p, [up("a.example.org", "203.0.113.7"), up("a.example.org", "2001:db8::7")]);
    assert.deepEqual(out.map((o) => o.kind), ["updated", "updated"]);
    srv.force({ body: "good" });
    assert.equal((await push(p, [up("b.example.org", "203.0.113.7")]))[0]?.kind, "updated");
  });

  it("unknown word, empty body or line count mismatch/push/transient (malformed)", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    srv.force({ body: "<html>maintenance</html>" });
    srv.force({ body: "" });
    srv.force({ body: "good 203.0.113.7\ngood 203.0.113.7" });
    for (let i = 0; i < 3; i++) {
      const out = await push(p, [up("a.example.org", "203.0.113.7"), up("b.example.org", "203.0.113.7"), up("c.example.org", "203.0.113.7")]);
      assert.deepEqual(out.map((o) => o.kind), ["transient", "transient", "transient"], `answer ${i}`);
    }
  });

  it("unknown answer three times in a row/push/latched, not retried forever; a good answer clears the count", async () => {
    const { p, srv } = await setupDyndns2("loopia", { path: "/", maxHosts: 1 });
    let cache: Record<string, string> | undefined;
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      srv.force({ body: "Something ddns never saw" });
      const [o] = await push(p, [up("a.example.org", "203.0.113.7", cache ? { cache } : {})]);
      kinds.push(o?.kind ?? "");
      cache = o?.kind === "transient" ? o.cache : undefined;
    }
    assert.deepEqual(kinds, ["transient", "transient", "permanent"]);
    const [ok] = await push(p, [up("a.example.org", "203.0.113.7", { cache: { unknown: "2" } })]);
    assert.equal(ok?.kind, "updated");
    assert.deepEqual(ok?.kind === "updated" ? ok.cache : undefined, {});
  });

  it("body echoes the password/push/the reason does not", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    srv.force({ body: `error: bad password ${PASSWORD}` });
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.equal(o?.kind, "transient");
    assert.match(reason(o), /\[password\]/);
  });

  it("HTTP 5xx with an HTML body/push/transient", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    srv.force({ status: 502, body: "<html>Bad gateway</html>" });
    assert.equal((await push(p, [up("a.example.org", "203.0.113.7")]))[0]?.kind, "transient");
  });

  it("HTTP 429 with retry-after/push/transient after that long", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    srv.force({ status: 429, body: "slow down", headers: { "retry-after": "600" } });
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.equal(o?.kind === "transient" && o.retryAfterMs, 600_000);
  });

  it("HTTP 401 without a code/push/permanent credentials", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    srv.force({ status: 401, body: "Unauthorized" });
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.equal(o?.kind, "permanent");
    assert.match(reason(o), /username or password/);
  });

  it("HTTP redirect/push/permanent, not followed, endpoint named", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    srv.force({ status: 301, body: "", headers: { location: "https://www.example.net/nic/update?hostname=a" } });
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.equal(o?.kind, "permanent");
    assert.match(reason(o), /https:\/\/www\.example\.net\b.*endpoint/);
    assert.equal(srv.count(), 1);
  });

  it("server unreachable/push/transient", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    await srv.close();
    const [o] = await push(p, [up("a.example.org", "203.0.113.7")]);
    assert.equal(o?.kind, "transient");
    assert.match(reason(o), /connection refused/);
  });

  it("signal aborted/push/transient without a request", async () => {
    const { p, srv } = await setupDyndns2("dyndns2");
    const out = await p.push([up("a.example.org", "203.0.113.7")], AbortSignal.abort());
    assert.equal(out.get("a.example.org/ipv4")?.kind, "transient");
    assert.equal(srv.count(), 0);
  });
});
