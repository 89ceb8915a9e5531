import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createDnsSource, parseServer } from "../../src/ip-source/dns.js";
import { answerAddresses, parseMessage, WireError } from "../../src/net/dns/message.js";
import { startDnsServer, reply, type DnsServer, type DnsQuery } from "../helpers/dns-server.js";
import { familyConfig } from "./family-config.js";

const V6 = Buffer.from("2a0104f8000000010000000000000001", "hex");

/** Answers by the name asked, so one server plays every scenario. */
function scenario(q: DnsQuery): Buffer | Buffer[] | null {
  const [label] = q.name.split(".");
  const ok = (): Buffer => reply(q, { answers: q.type === 1 ? [{ type: 1, data: "81.2.69.160" }] : [{ type: 28, data: V6 }] });
  switch (label) {
    case "myip":
      return ok();
    case "wrongid":
      return reply(q, { idDelta: 1, answers: [{ type: 1, data: "81.2.69.66" }] });
    case "wrongidthenright":
      return [reply(q, { idDelta: 7, answers: [{ type: 1, data: "81.2.69.66" }] }), ok()];
    case "otherquestion":
      return reply(q, { questionName: "evil.example", answers: [{ type: 1, data: "81.2.69.66", name: "evil.example" }] });
    case "tc":
      return reply(q, { tc: true });
    case "short":
      return ok().subarray(0, ok().length - 3);
    case "nx":
      return reply(q, { rcode: 3 });
    case "private":
      return reply(q, { answers: [{ type: 1, data: "10.0.0.7" }] });
    case "cname":
      return reply(q, {
        answers: [
          { type: 5, data: "target.example" },
          { type: 1, name: "target.example", data: "81.2.69.161" },
          { type: 1, name: "unrelated.example", data: "81.2.69.99" },
        ],
      });
    case "loop": {
      // An answer whose owner name is a compression pointer to itself.
      const base = reply(q);
      const rec = Buffer.alloc(12);
      rec.writeUInt16BE(0xc000 | base.length, 0);
      base.writeUInt16BE(1, 6);
      return Buffer.concat([base, rec]);
    }
    case "silent":
      return null;
    default:
      return reply(q, { rcode: 5 });
  }
}

describe("IpSource - dns", () => {
  let v4: DnsServer;
  let v6: DnsServer;
  before(async () => {
    v4 = await startDnsServer("127.0.0.1", scenario);
    v6 = await startDnsServer("::1", scenario);
  });
  after(async () => {
    await v4.close();
    await v6.close();
  });

  const detect = (dnsName: string, family: "ipv4" | "ipv6" = "ipv4", servers?: string[], timeoutMs = 1000) =>
    createDnsSource(familyConfig({ dnsName, dnsServers: servers ?? [family === "ipv4" ? v4.address : v6.address], timeoutMs })).detect(family, AbortSignal.timeout(5000));

  it("A query/detect/found, random ids, RD set", async () => {
    const before = v4.queries.length;
    assert.deepEqual(await detect("myip.opendns.example"), { kind: "found", source: "dns", addresses: ["81.2.69.160"] });
    assert.deepEqual(await detect("MyIP.OpenDNS.example."), { kind: "found", source: "dns", addresses: ["81.2.69.160"] });
    const qs = v4.queries.slice(before);
    assert.equal(qs.length, 2);
    assert.deepEqual(qs.map((q) => [q.name, q.type, q.flags & 0x0100]), [["myip.opendns.example", 1, 0x0100], ["myip.opendns.example", 1, 0x0100]]);
    assert.notEqual(qs[0]!.id, qs[1]!.id);
  });

  it("AAAA query over ::1/detect/found", async () => {
    assert.deepEqual(await detect("myip.opendns.example", "ipv6"), { kind: "found", source: "dns", addresses: ["2a01:4f8:0:1::1"] });
    assert.equal(v6.queries.at(-1)!.type, 28);
    assert.equal(v6.queries.at(-1)!.from.address, "::1");
  });

  it("wrong id only/detect/ignored, unavailable at the deadline", async () => {
    const d = await detect("wrongid.example", "ipv4", undefined, 300);
    assert.deepEqual(d, { kind: "unavailable", source: "dns", reason: `${v4.address}: no answer in time` });
  });

  it("wrong id then the right one/detect/right one taken", async () => {
    assert.deepEqual(await detect("wrongidthenright.example"), { kind: "found", source: "dns", addresses: ["81.2.69.160"] });
  });

  it("answer to another question/detect/ignored", async () => {
    assert.equal((await detect("otherquestion.example", "ipv4", undefined, 300)).kind, "unavailable");
  });

  it("TC bit/detect/unavailable truncated", async () => {
    assert.deepEqual(await detect("tc.example"), { kind: "unavailable", source: "dns", reason: `${v4.address}: the answer was truncated (TC)` });
  });

  it("cut-off datagram/detect/malformed, no crash", async () => {
    const d = await detect("short.example");
    assert.match((d as { reason: string }).reason, /malformed answer/);
  });

  it("compression loop/detect/malformed, no hang", async () => {
    const d = await detect("loop.example");
    assert.match((d as { reason: string }).reason, /malformed answer \(compression loop\)/);
  });

  it("NXDOMAIN/detect/unavailable with the rcode", async () => {
    assert.deepEqual(await detect("nx.example"), { kind: "unavailable", source: "dns", reason: `${v4.address}: the server answered NXDOMAIN` });
  });

  it("private answer/detect/refused", async () => {
    assert.deepEqual(await detect("private.example"), { kind: "unavailable", source: "dns", reason: `${v4.address}: refused 10.0.0.7 (private)` });
  });

  it("CNAME chain/detect/follows the chain, ignores unrelated owners", async () => {
    assert.deepEqual(await detect("cname.example"), { kind: "found", source: "dns", addresses: ["81.2.69.161"] });
  });

  it("silent first server/detect/second server asked", async () => {
    const silent = await startDnsServer("127.0.0.1", () => null);
    try {
      const d = await detect("myip.example", "ipv4", [silent.address, v4.address], 600);
      assert.deepEqual(d, { kind: "found", source: "dns", addresses: ["81.2.69.160"] });
      assert.equal(silent.queries.length, 1);
    } finally {
      await silent.close();
    }
  });

  it("host name as server/detect/refused without any lookup", async () => {
    const d = await detect("myip.example", "ipv4", ["resolver1.opendns.com"]);
    assert.deepEqual(d, { kind: "unavailable", source: "dns", reason: "resolver1.opendns.com: not an IP address (the dns source never uses the system resolver)" });
  });

  it("bad name/detect/unavailable", async () => {
    assert.equal((await detect("bad..name")).kind, "unavailable");
    assert.equal((await detect("a b.example")).kind, "unavailable");
  });

  it("server strings/parse/IP literal with optional port", () => {
    assert.deepEqual(parseServer("208.67.222.222"), { host: "208.67.222.222", port: 53 });
    assert.deepEqual(parseServer("127.0.0.1:5353"), { host: "127.0.0.1", port: 5353 });
    assert.deepEqual(parseServer("[::1]:5353"), { host: "::1", port: 5353 });
    assert.deepEqual(parseServer("2620:119:35::35"), { host: "2620:119:35::35", port: 53 });
    assert.equal(parseServer("127.0.0.1:123456"), null);
    assert.equal(parseServer("[127.0.0.1]:53"), null);
    assert.equal(parseServer("127.0.0.1:0"), null);
    assert.equal(parseServer("dns.example"), null);
  });

  it("random bytes as reply/parse/only WireError, never another throw", () => {
    for (let i = 0; i < 500; i++) {
      const len = 12 + Math.floor(Math.random() * 100);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(Math.random() * 256);
      // Keep id/QR/QDCOUNT plausible so the parser goes deep.
      b.writeUInt16BE(7, 0);
      b[2] = b[2]! | 0x80;
      b.writeUInt16BE(1, 4);
      try {
        answerAddresses(parseMessage(b), b, "x.example", 1);
      } catch (e) {
        assert.ok(e instanceof WireError, String(e));
      }
    }
  });
});
