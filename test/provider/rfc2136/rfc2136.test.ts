import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:net";
import { startBind, type BindServer } from "../../helpers/bind.js";
import { createRfc2136 } from "../../../src/provider/rfc2136/rfc2136.js";
import { rfc2136Spec } from "../../../src/provider/rfc2136/spec.js";
import type { DnsProvider, ProviderDeps, PushOutcome, RecordUpdate } from "../../../src/provider/types.js";
import type { HttpClient } from "../../../src/net/types.js";
import { parseTsigKey, signMessage, type TsigKey } from "../../../src/provider/rfc2136/tsig.js";
import { scannedProvider } from "../../helpers/record-api-suite.js";

const noHttp: HttpClient = {
  request: () => Promise.reject(new Error("rfc2136 must not use HTTP")),
};
const deps: ProviderDeps = { http: noHttp, now: () => Date.now(), userAgent: "ddns/test" };

/** Every TSIG secret the tests configure (BIND's keys, the mock's): each provider's outcomes, verify results and errors are scanned for all. */
const known = new Set<string>();
function provider(values: Record<string, string | boolean>, skewMs = 0): DnsProvider {
  return scannedProvider(
    { name: "dyn", type: "rfc2136", values, secretKeys: ["key_secret"] },
    (s) => createRfc2136(s, { ...deps, now: () => Date.now() + skewMs }),
    [...known],
  );
}

function upd(name: string, family: "ipv4" | "ipv6", addresses: string[], ttl?: number): RecordUpdate {
  return { key: `${name}/${family}`, name, family, addresses, previous: null, ...(ttl === undefined ? {} : { ttl }) };
}

function only(m: Map<string, PushOutcome>, key: string): PushOutcome {
  const o = m.get(key);
  assert.ok(o, `no outcome for ${key}`);
  return o;
}

const signal = (): AbortSignal => AbortSignal.timeout(5000);

describe("Provider - rfc2136 against BIND", () => {
  let bind: BindServer;
  const keyValues = (keyName: string, extra: Record<string, string | boolean> = {}): Record<string, string | boolean> => {
    const k = bind.keys[keyName]!;
    return { server: `127.0.0.1:${bind.port}`, zone: "example.net", key_name: k.name, key_secret: k.secret, key_algorithm: k.algorithm, ...extra };
  };

  before(async () => {
    bind = await startBind(
      {
        "k-sha256": "hmac-sha256",
        "k-sha512": "hmac-sha512",
        "k-sha384": "hmac-sha384",
        "k-sha224": "hmac-sha224",
        "k-sha1": "hmac-sha1",
        "k-md5": "hmac-md5",
        "k-limited": "hmac-sha256",
      },
      [
        { name: "example.net", policy: 'allow-update { key "k-sha256"; key "k-sha512"; key "k-sha384"; key "k-sha224"; key "k-sha1"; key "k-md5"; };' },
        { name: "limited.test", policy: 'update-policy { grant "k-limited" zonesub A; };' },
        { name: "noquery.test", policy: 'allow-update { key "k-sha256"; }; allow-query { none; };' },
        { name: "alias.test", policy: 'allow-update { key "k-sha256"; };', records: ["www IN CNAME alias.test."] },
      ],
    );
    for (const k of Object.values(bind.keys)) known.add(k.secret);
  });
  after(async () => {
    await bind?.stop();
  });

  it("absent record/push A/created and served by BIND", async () => {
    const out = await provider(keyValues("k-sha256")).push([upd("home.example.net", "ipv4", ["192.0.2.10"])], signal());
    assert.deepEqual(only(out, "home.example.net/ipv4"), { kind: "updated" });
    assert.deepEqual(await bind.query("home.example.net", "A"), ["192.0.2.10"]);
  });

  it("existing record/push new address/RRset replaced, old address gone", async () => {
    const p = provider(keyValues("k-sha256"));
    await p.push([upd("swap.example.net", "ipv4", ["192.0.2.1", "192.0.2.2"])], signal());
    assert.deepEqual(await bind.query("swap.example.net", "A"), ["192.0.2.1", "192.0.2.2"]);
    const out = await p.push([upd("swap.example.net", "ipv4", ["192.0.2.3"], 60)], signal());
    assert.equal(only(out, "swap.example.net/ipv4").kind, "updated");
    assert.deepEqual(await bind.query("swap.example.net", "A"), ["192.0.2.3"]);
  });

  it("ttl unset, RRset served with TTL 3600/push new address/TTL 3600 kept (read from the primary first)", async () => {
    const p = provider(keyValues("k-sha256"));
    await p.push([upd("keep.example.net", "ipv4", ["192.0.2.31"], 3600)], signal());
    assert.equal(await bind.ttl("keep.example.net", "A"), 3600);
    const out = await p.push([upd("keep.example.net", "ipv4", ["192.0.2.32"])], signal());
    assert.deepEqual(only(out, "keep.example.net/ipv4"), { kind: "updated" });
    assert.deepEqual(await bind.query("keep.example.net", "A"), ["192.0.2.32"]);
    assert.equal(await bind.ttl("keep.example.net", "A"), 3600, "the operator's TTL is left alone");
  });

  it("ttl unset, no RRset of that type (the name holds only AAAA)/push A/created with the default 300, the AAAA's TTL untouched", async () => {
    const p = provider(keyValues("k-sha256"));
    await p.push([upd("new.example.net", "ipv6", ["2001:db8::31"], 7200)], signal());
    const out = await p.push([upd("new.example.net", "ipv4", ["192.0.2.33"]), upd("fresh.example.net", "ipv4", ["192.0.2.34"])], signal());
    assert.deepEqual([...out.values()].map((o) => o.kind), ["updated", "updated"]);
    assert.equal(await bind.ttl("new.example.net", "A"), 300);
    assert.equal(await bind.ttl("fresh.example.net", "A"), 300, "NXDOMAIN: the default");
    assert.equal(await bind.ttl("new.example.net", "AAAA"), 7200);
  });

  it("ttl set/push/that TTL replaces the served one, no query needed", async () => {
    const p = provider(keyValues("k-sha256"));
    await p.push([upd("set.example.net", "ipv4", ["192.0.2.35"], 3600)], signal());
    await p.push([upd("set.example.net", "ipv4", ["192.0.2.36"], 120)], signal());
    assert.equal(await bind.ttl("set.example.net", "A"), 120);
  });

  it("zone that refuses queries/push without ttl/permanent naming allow-query and ttl, no UPDATE tried", async () => {
    // (BIND also refuses UPDATEs from a client its allow-query refuses, so ttl alone would not help here.)
    const p = provider(keyValues("k-sha256", { zone: "noquery.test" }));
    const o = only(await p.push([upd("h.noquery.test", "ipv4", ["192.0.2.37"])], signal()), "h.noquery.test/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /refused the query for the TTL of h\.noquery\.test \(A\) \(REFUSED\).*allow-query.*or set ttl/);
    assert.doesNotMatch(o.kind === "permanent" ? o.reason : "", /update of/);
  });

  it("ttl unset, a CNAME at the name/push A/permanent naming the CNAME, nothing sent, the CNAME kept", async () => {
    const p = provider(keyValues("k-sha256", { zone: "alias.test" }));
    const o = only(await p.push([upd("www.alias.test", "ipv4", ["192.0.2.38"])], signal()), "www.alias.test/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /holds CNAME www\.alias\.test -> alias\.test, and an address record cannot sit beside it; ddns does not delete records it did not create/);
    assert.deepEqual(await bind.query("www.alias.test", "A"), ["alias.test."], "dig +short shows the CNAME still there, no A");
  });

  it("same addresses again/push/still updated and the zone unchanged", async () => {
    const p = provider(keyValues("k-sha256"));
    await p.push([upd("same.example.net", "ipv6", ["2001:db8::5"])], signal());
    const out = await p.push([upd("same.example.net", "ipv6", ["2001:db8::5"])], signal());
    assert.equal(only(out, "same.example.net/ipv6").kind, "updated");
    assert.deepEqual(await bind.query("same.example.net", "AAAA"), ["2001:db8::5"]);
  });

  it("two names, both families/one push/every record served", async () => {
    const out = await provider(keyValues("k-sha256")).push(
      [upd("a.example.net", "ipv4", ["198.51.100.7"]), upd("a.example.net", "ipv6", ["2001:db8:0:1::7"]), upd("example.net", "ipv4", ["203.0.113.9"])],
      signal(),
    );
    assert.deepEqual([...out.values()].map((o) => o.kind), ["updated", "updated", "updated"]);
    assert.deepEqual(await bind.query("a.example.net", "A"), ["198.51.100.7"]);
    assert.deepEqual(await bind.query("a.example.net", "AAAA"), ["2001:db8:0:1::7"]);
    assert.deepEqual(await bind.query("example.net", "A"), ["203.0.113.9"]);
  });

  for (const k of ["k-sha512", "k-sha384", "k-sha224", "k-sha1", "k-md5"]) {
    it(`key ${k}/push/answer verified and record served`, async () => {
      const name = `${k}.example.net`;
      const out = await provider(keyValues(k)).push([upd(name, "ipv4", ["192.0.2.77"])], signal());
      assert.deepEqual(only(out, `${name}/ipv4`), { kind: "updated" });
      assert.deepEqual(await bind.query(name, "A"), ["192.0.2.77"]);
    });
  }

  it("tcp = true/push/updated over TCP", async () => {
    const out = await provider(keyValues("k-sha256", { tcp: true })).push([upd("tcp.example.net", "ipv6", ["2001:db8::99"])], signal());
    assert.deepEqual(only(out, "tcp.example.net/ipv6"), { kind: "updated" });
    assert.deepEqual(await bind.query("tcp.example.net", "AAAA"), ["2001:db8::99"]);
  });

  it("wrong secret/push/permanent BADSIG, no secret in the reason, zone untouched", async () => {
    const wrong = Buffer.alloc(32, 7).toString("base64");
    const out = await provider(keyValues("k-sha256", { key_secret: wrong })).push([upd("bad.example.net", "ipv4", ["192.0.2.66"])], signal());
    const o = only(out, "bad.example.net/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /bad\.example\.net.*BADSIG.*key_secret/);
    assert.deepEqual(await bind.query("bad.example.net", "A"), []);
  });

  it("unknown key name/push/permanent BADKEY", async () => {
    const out = await provider(keyValues("k-sha256", { key_name: "nobody" })).push([upd("bad.example.net", "ipv4", ["192.0.2.66"])], signal());
    const o = only(out, "bad.example.net/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /BADKEY/);
  });

  it("wrong algorithm for the key/push/permanent", async () => {
    const out = await provider(keyValues("k-sha256", { key_algorithm: "hmac-sha512" })).push([upd("bad.example.net", "ipv4", ["192.0.2.66"])], signal());
    assert.equal(only(out, "bad.example.net/ipv4").kind, "permanent");
  });

  it("policy grants A only/push AAAA/permanent REFUSED naming the record", async () => {
    const p = provider(keyValues("k-limited", { zone: "limited.test" }));
    const okA = await p.push([upd("h.limited.test", "ipv4", ["192.0.2.5"])], signal());
    assert.equal(only(okA, "h.limited.test/ipv4").kind, "updated");
    const out = await p.push([upd("h.limited.test", "ipv6", ["2001:db8::5"])], signal());
    const o = only(out, "h.limited.test/ipv6");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /h\.limited\.test \(AAAA\).*REFUSED/);
  });

  it("zone the server does not serve/push/permanent NOTAUTH", async () => {
    const out = await provider(keyValues("k-sha256", { zone: "other.example" })).push([upd("h.other.example", "ipv4", ["192.0.2.5"])], signal());
    const o = only(out, "h.other.example/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /NOTAUTH|REFUSED/);
  });

  it("name outside the zone/push/permanent without a request, others still sent", async () => {
    const out = await provider(keyValues("k-sha256")).push([upd("h.example.com", "ipv4", ["192.0.2.5"]), upd("in.example.net", "ipv4", ["192.0.2.6"])], signal());
    const o = only(out, "h.example.com/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /h\.example\.com.*not inside zone example\.net/);
    assert.equal(only(out, "in.example.net/ipv4").kind, "updated");
  });

  it("clock an hour ahead/push/transient BADTIME naming the clock", async () => {
    const out = await provider(keyValues("k-sha256"), 3600_000).push([upd("late.example.net", "ipv4", ["192.0.2.8"])], signal());
    const o = only(out, "late.example.net/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /BADTIME.*time/);
    assert.deepEqual(await bind.query("late.example.net", "A"), []);
  });

  it("good key/verify/ok; wrong secret/verify/reason", async () => {
    assert.deepEqual(await provider(keyValues("k-sha256")).verify!(signal()), { ok: true });
    const bad = await provider(keyValues("k-sha256", { key_secret: Buffer.alloc(32).toString("base64") })).verify!(signal());
    assert.equal(bad.ok, false);
  });
});

describe("Provider - rfc2136 failures without BIND", () => {
  const secret = Buffer.alloc(32, 1).toString("base64");
  known.add(secret);
  const base = (server: string): Record<string, string> => ({ server, zone: "example.net", key_name: "k", key_secret: secret });
  let udp: Socket;
  let tcp: Server;
  let port = 0;
  let udpReply: (msg: Buffer) => Buffer | null = () => null;
  let tcpConnections = 0;
  let tcpReply: (msg: Buffer) => Buffer = (m) => m;

  before(async () => {
    tcp = createServer((sock) => {
      tcpConnections++;
      sock.once("data", (d: Buffer) => {
        const ans = tcpReply(d.subarray(2));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(ans.length, 0);
        sock.end(Buffer.concat([len, ans]));
      });
    });
    await new Promise<void>((res) => tcp.listen(0, "127.0.0.1", res));
    port = (tcp.address() as { port: number }).port;
    udp = createSocket("udp4");
    await new Promise<void>((res) => udp.bind(port, "127.0.0.1", res));
    udp.on("message", (msg, rinfo) => {
      const ans = udpReply(msg);
      if (ans) udp.send(ans, rinfo.port, rinfo.address);
    });
  });
  after(() => {
    udp.close();
    tcp.close();
  });

  /** The request's header turned into an answer with `rcode`, `tc`, nothing else. */
  const answer = (msg: Buffer, rcode: number, tc = false): Buffer => {
    const h = Buffer.from(msg.subarray(0, 12));
    h.writeUInt16BE(0x8000 | (5 << 11) | (tc ? 0x0200 : 0) | rcode, 2);
    h.writeUInt16BE(0, 4);
    h.writeUInt16BE(0, 6);
    h.writeUInt16BE(0, 8);
    h.writeUInt16BE(0, 10);
    return h;
  };

  it("nothing due/push/no message sent", async () => {
    let got = 0;
    udpReply = () => {
      got++;
      return null;
    };
    const out = await provider(base(`127.0.0.1:${port}`)).push([], signal());
    assert.equal(out.size, 0);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(got, 0);
  });

  it("unsigned NOERROR answer/push/transient, not trusted", async () => {
    udpReply = (m) => answer(m, 0);
    const out = await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal());
    const o = only(out, "h.example.net/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /not signed/);
  });

  it("answer signed with the key but not over our request MAC/push/transient, not trusted", async () => {
    const key = parseTsigKey("k", "hmac-sha256", secret) as TsigKey;
    // A replayed or forged answer: signed like a request, so its MAC does not cover ours.
    udpReply = (m) => signMessage(answer(m, 0), key, Date.now() / 1000).wire;
    const o = only(await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal()), "h.example.net/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /signature does not match/);
  });

  it("answer signed with another key/push/transient, not trusted", async () => {
    const other = parseTsigKey("other", "hmac-sha256", secret) as TsigKey;
    udpReply = (m) => signMessage(answer(m, 0), other, Date.now() / 1000).wire;
    const o = only(await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal()), "h.example.net/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /another key/);
  });

  it("SERVFAIL/push/transient", async () => {
    udpReply = (m) => answer(m, 2);
    const o = only(await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal()), "h.example.net/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /SERVFAIL/);
  });

  it("malformed answer with the right ID/push/transient", async () => {
    udpReply = (m) => Buffer.concat([answer(m, 0).subarray(0, 4), Buffer.from([0, 5, 0, 0, 0, 0, 0, 0, 3, 97])]);
    const o = only(await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal()), "h.example.net/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /malformed/);
  });

  it("truncated UDP answer/push/asked again over TCP", async () => {
    udpReply = (m) => answer(m, 0, true);
    tcpReply = (m) => answer(m, 2);
    const before = tcpConnections;
    const o = only(await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal()), "h.example.net/ipv4");
    assert.equal(tcpConnections, before + 1);
    assert.equal(o.kind, "transient");
  });

  it("server silent/push/transient when the signal ends", async () => {
    udpReply = () => null;
    const o = only(
      await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], AbortSignal.timeout(300)),
      "h.example.net/ipv4",
    );
    assert.equal(o.kind, "transient");
  });

  it("nothing listening/push/transient", async () => {
    const sock = createSocket("udp4");
    await new Promise<void>((res) => sock.bind(0, "127.0.0.1", res));
    const closed = sock.address().port;
    sock.close();
    const o = only(await provider(base(`127.0.0.1:${closed}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal()), "h.example.net/ipv4");
    assert.equal(o.kind, "transient");
  });

  it("IPv6 server literal/push/answer read from [::1]", async () => {
    const six = createSocket("udp6");
    await new Promise<void>((res) => six.bind(0, "::1", res));
    six.on("message", (msg, rinfo) => six.send(answer(msg, 2), rinfo.port, rinfo.address));
    try {
      const o = only(await provider(base(`[::1]:${six.address().port}`)).push([upd("h.example.net", "ipv6", ["2001:db8::1"], 300)], signal()), "h.example.net/ipv6");
      assert.equal(o.kind, "transient");
      assert.match(o.kind === "transient" ? o.reason : "", /\[::1\]:\d+ could not apply.*SERVFAIL/);
    } finally {
      six.close();
    }
  });

  it("server given as a name/push/permanent config problem", async () => {
    const o = only(await provider(base("ns1.example.net")).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal()), "h.example.net/ipv4");
    assert.equal(o.kind, "permanent");
    assert.match(o.kind === "permanent" ? o.reason : "", /IP address/);
  });

  it("secret not base64 or unknown algorithm/push/permanent, secret not echoed", async () => {
    const bad = { ...base(`127.0.0.1:${port}`), key_secret: "not base64!!" };
    const o = only(await provider(bad).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal()), "h.example.net/ipv4");
    assert.equal(o.kind, "permanent");
    const alg = { ...base(`127.0.0.1:${port}`), key_algorithm: "hmac-sha3" };
    const o2 = only(await provider(alg).push([upd("h.example.net", "ipv4", ["192.0.2.1"], 300)], signal()), "h.example.net/ipv4");
    assert.match(o2.kind === "permanent" ? o2.reason : "", /key_algorithm/);
  });

  // Without ttl the provider first asks for the RRset's TTL (issue 14); these are that query's failures.
  const opcodeOf = (m: Buffer): number => (m.readUInt16BE(2) >> 11) & 0xf;
  /** A QUERY answer (QR, AA, `rcode`) to the request `m`, no records. */
  const queryAnswer = (m: Buffer, rcode: number): Buffer => {
    const h = answer(m, rcode);
    h.writeUInt16BE(0x8000 | 0x0400 | rcode, 2);
    return h;
  };

  it("ttl unset, the query answered unsigned/push/transient, no UPDATE sent", async () => {
    const opcodes: number[] = [];
    udpReply = (m) => (opcodes.push(opcodeOf(m)), opcodeOf(m) === 0 ? queryAnswer(m, 3) : answer(m, 0));
    const o = only(await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"])], signal()), "h.example.net/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /query for the TTL of h\.example\.net \(A\).*not signed/);
    assert.deepEqual(opcodes, [0], "a query, and no UPDATE after it");
  });

  it("ttl unset, the query answered SERVFAIL/push/transient; REFUSED/permanent naming allow-query and ttl", async () => {
    udpReply = (m) => (opcodeOf(m) === 0 ? queryAnswer(m, 2) : answer(m, 0));
    const o = only(await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"])], signal()), "h.example.net/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /SERVFAIL/);
    udpReply = (m) => (opcodeOf(m) === 0 ? queryAnswer(m, 5) : answer(m, 0));
    const r = only(await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"])], signal()), "h.example.net/ipv4");
    assert.equal(r.kind, "permanent");
    assert.match(r.kind === "permanent" ? r.reason : "", /refused the query for the TTL .*allow-query.*or set ttl/);
  });

  it("ttl unset, server silent/push/transient when the signal ends", async () => {
    udpReply = () => null;
    const o = only(await provider(base(`127.0.0.1:${port}`)).push([upd("h.example.net", "ipv4", ["192.0.2.1"])], AbortSignal.timeout(300)), "h.example.net/ipv4");
    assert.equal(o.kind, "transient");
    assert.match(o.kind === "transient" ? o.reason : "", /query for the TTL/);
  });

  it("spec/keys/server, zone, key_name, key_secret required; secret kind", () => {
    const req = rfc2136Spec().keys.filter((k) => k.required).map((k) => k.name);
    assert.deepEqual(req, ["server", "zone", "key_name", "key_secret"]);
    assert.equal(rfc2136Spec().keys.find((k) => k.name === "key_secret")?.kind, "secret");
  });
});
