import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { askAuthoritative, askServers } from "../../src/verify/authoritative.js";
import { startBind, type BindServer } from "../helpers/bind.js";
import { reply, startDnsServer } from "../helpers/dns-server.js";

/**
 * The zone's authoritative servers, asked directly (issue 17), against real BIND 9 on
 * loopback: "auth" holds example.org with ns1 -> 127.0.0.1; "local" stands in for the
 * host's resolver with a split-horizon view of the same zone (another address for the
 * record, the same NS); "second" is a second NS on 127.0.0.2 (same port) whose copy
 * of the zone lags. Records are changed behind ddns's back with nsupdate. Every name
 * is asked of these loopback servers only (no system resolver).
 */
const NSUPDATE = "/usr/bin/nsupdate";

function nsupdate(bind: BindServer, address: string, lines: string[]): Promise<void> {
  const k = bind.keys["k"]!;
  const script = [`server ${address} ${bind.port}`, "zone example.org", ...lines, "send", ""].join("\n");
  return new Promise((resolve, reject) => {
    const child = execFile(NSUPDATE, ["-y", `${k.algorithm}:${k.name}:${k.secret}`], (err, _out, stderr) => (err ? reject(new Error(`nsupdate: ${stderr}`)) : resolve()));
    child.stdin!.end(script);
  });
}

const opts = (resolver: BindServer | { port: number }, port: number, deadlineMs = 2000) => ({
  resolvers: [{ host: "127.0.0.1", port: resolver.port }],
  port,
  deadlineMs,
  signal: AbortSignal.timeout(10_000),
});

describe("Verify - authoritative servers (real BIND)", () => {
  let auth: BindServer;
  let local: BindServer;
  before(async () => {
    const zones = [{ name: "example.org", policy: `allow-update { key "k"; };` }];
    auth = await startBind({ k: "hmac-sha256" }, zones);
    local = await startBind({ k: "hmac-sha256" }, zones);
    for (const [b, home] of [
      [auth, "198.51.100.7"],
      [local, "10.1.2.3"],
    ] as const) {
      await nsupdate(b, "127.0.0.1", [
        "update delete ns1.example.org A",
        "update add ns1.example.org 300 A 127.0.0.1",
        `update add home.example.org 300 A ${home}`,
        "update add home.example.org 300 AAAA 2001:db8::7",
      ]);
    }
  });
  after(async () => {
    await auth?.stop();
    await local?.stop();
  });

  it("record as published/ask/served by the authoritative server", async () => {
    const a = await askAuthoritative("home.example.org", "ipv4", opts(auth, auth.port));
    assert.deepEqual(a, { kind: "served", addresses: ["198.51.100.7"], servers: [`127.0.0.1:${auth.port}`] });
    const six = await askAuthoritative("home.example.org", "ipv6", opts(auth, auth.port));
    assert.equal(six.kind === "served" ? six.addresses.join() : six.kind, "2001:db8::7");
  });

  it("local resolver with a split-horizon view/ask/its answer ignored, the authoritative one taken", async () => {
    // The resolver (local) answers 10.1.2.3 for the name, but only shows the way to ns1.
    assert.deepEqual(await local.query("home.example.org", "A"), ["10.1.2.3"]);
    const a = await askAuthoritative("home.example.org", "ipv4", opts(local, auth.port));
    assert.equal(a.kind, "served");
    assert.deepEqual(a.kind === "served" ? a.addresses : [], ["198.51.100.7"]);
  });

  it("record changed and then deleted behind ddns's back (nsupdate)/ask/the new address, then no record", async () => {
    await nsupdate(auth, "127.0.0.1", ["update delete home.example.org A", "update add home.example.org 300 A 192.0.2.99"]);
    const changed = await askAuthoritative("home.example.org", "ipv4", opts(auth, auth.port));
    assert.deepEqual(changed.kind === "served" ? changed.addresses : changed, ["192.0.2.99"]);
    await nsupdate(auth, "127.0.0.1", ["update delete home.example.org A"]);
    const gone = await askAuthoritative("home.example.org", "ipv4", opts(auth, auth.port));
    assert.deepEqual(gone.kind === "served" ? gone.addresses : gone, [], "NODATA: no A record");
    const nx = await askAuthoritative("nothere.example.org", "ipv4", opts(auth, auth.port));
    assert.deepEqual(nx.kind === "served" ? nx.addresses : nx, [], "NXDOMAIN: no record");
    await nsupdate(auth, "127.0.0.1", ["update add home.example.org 300 A 198.51.100.7"]);
  });

  it("two NS, the second's copy lags/ask/propagating, not drift", async () => {
    // named listens only on configured interface addresses, and 127.0.0.2 is not one on the
    // host's lo; a scripted authoritative responder (AA set) on 127.0.0.2 and the same port plays the lagging secondary.
    let secondServes = "192.0.2.1";
    const second = await startDnsServer("127.0.0.2", (q) => reply(q, { aa: true, answers: q.type === 1 ? [{ type: 1, data: secondServes }] : [] }), auth.port);
    try {
      await nsupdate(auth, "127.0.0.1", ["update add example.org 300 NS ns2.example.org", "update add ns2.example.org 300 A 127.0.0.2"]);
      const a = await askAuthoritative("home.example.org", "ipv4", opts(auth, auth.port));
      assert.equal(a.kind, "propagating", JSON.stringify(a));
      assert.match(a.kind === "propagating" ? a.reason : "", /127\.0\.0\.1:\d+ serves 198\.51\.100\.7.*127\.0\.0\.2:\d+ serves 192\.0\.2\.1/);
      // Once the second agrees, it is served.
      secondServes = "198.51.100.7";
      const b = await askAuthoritative("home.example.org", "ipv4", opts(auth, auth.port));
      assert.deepEqual(b.kind === "served" ? b.servers.length : b, 2);
    } finally {
      await nsupdate(auth, "127.0.0.1", ["update delete example.org NS ns2.example.org", "update delete ns2.example.org A"]).catch(() => {});
      await second.close();
    }
  });

  it("rfc2136 primary asked directly/askServers/its answer", async () => {
    const a = await askServers("home.example.org", "ipv4", [{ host: "127.0.0.1", port: auth.port }], opts(auth, auth.port));
    assert.deepEqual(a.kind === "served" ? a.addresses : a, ["198.51.100.7"]);
  });

  it("resolver silent/ask/unknown within the deadline", async () => {
    const silent = await startDnsServer("127.0.0.1", () => null);
    try {
      const t0 = Date.now();
      const a = await askAuthoritative("home.example.org", "ipv4", opts(silent, auth.port, 500));
      assert.equal(a.kind, "unknown");
      assert.match(a.kind === "unknown" ? a.reason : "", /cannot find the authoritative servers of home\.example\.org/);
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      await silent.close();
    }
  });

  it("authoritative server answers SERVFAIL or without AA/ask/unknown, never served", async () => {
    for (const flags of ["servfail", "no-aa"] as const) {
      const bad = await startDnsServer("127.0.0.1", (q) => {
        const m = reply(q, flags === "servfail" ? { rcode: 2 } : { answers: [{ type: 1, data: "192.0.2.66" }] });
        return m; // reply() never sets AA
      });
      try {
        const a = await askServers("home.example.org", "ipv4", [{ host: "127.0.0.1", port: bad.port }], opts(auth, bad.port));
        assert.equal(a.kind, "unknown", JSON.stringify(a));
        assert.match(a.kind === "unknown" ? a.reason : "", flags === "servfail" ? /SERVFAIL/ : /not authoritative/);
      } finally {
        await bad.close();
      }
    }
  });
});
