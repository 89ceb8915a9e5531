import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBind, type BindServer } from "../helpers/bind.js";
import { runDdns } from "../helpers/ddns.js";
import { startDyndns2Server, type Dyndns2Server } from "../helpers/dyndns2-server.js";
import { startDnsServer } from "../helpers/dns-server.js";
import { assertNoSecrets } from "../helpers/secrets.js";

/**
 * Drift repair end to end (issue 17), bin/ddns as the service runs it: a dyndns2
 * service (the strict loopback mock) whose zone is served by a real BIND on loopback
 * (the authoritative server, ns1.example.org -> 127.0.0.1), and a second BIND as the
 * host's resolver with a split-horizon view of the zone (another address for the
 * record). The record is changed behind ddns's back with nsupdate. Names are asked of
 * these loopback servers only: verify_resolvers names the "local" one, and
 * DDNS_AUTHORITATIVE_PORT sends the authoritative questions to the BIND's port.
 */
const PASSWORD = "dyn-e2e-pass-5Qm2";
const NAME = "home.example.org";

function nsupdate(bind: BindServer, lines: string[]): Promise<void> {
  const k = bind.keys["k"]!;
  const script = [`server 127.0.0.1 ${bind.port}`, "zone example.org", ...lines, "send", ""].join("\n");
  return new Promise((resolve, reject) => {
    const child = execFile("/usr/bin/nsupdate", ["-y", `${k.algorithm}:${k.name}:${k.secret}`], (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve()));
    child.stdin!.end(script);
  });
}

describe("ddns verify / run --verify - end to end (dyndns2 service, zone on a real BIND)", () => {
  let auth: BindServer;
  let local: BindServer;
  let dyn: Dyndns2Server;
  let dir: string;
  let env: Record<string, string>;
  let args: string[];
  const statePath = () => join(dir, "state", "state.json");
  const ddns = (...a: string[]) => runDdns([...a, ...args], env);

  before(async () => {
    const zones = [{ name: "example.org", policy: `allow-update { key "k"; };` }];
    auth = await startBind({ k: "hmac-sha256" }, zones);
    local = await startBind({ k: "hmac-sha256" }, zones);
    for (const [b, home] of [
      [auth, "198.51.100.7"],
      [local, "10.1.2.3"],
    ] as const) {
      await nsupdate(b, ["update delete ns1.example.org A", "update add ns1.example.org 300 A 127.0.0.1", `update add ${NAME} 300 A ${home}`]);
    }
    dyn = await startDyndns2Server({ accounts: [{ username: "me", password: PASSWORD, hosts: [NAME] }] });
    dir = await mkdtemp(join(tmpdir(), "ddns-verify-e2e-"));
    await writeFile(join(dir, "password"), PASSWORD + "\n");
    await writeFile(
      join(dir, "ddns.toml"),
      `verify_resolvers = ["127.0.0.1:${local.port}"]
[ipv4]
sources = ["static"]
address = "198.51.100.7"
[ipv6]
enabled = false
[providers.dyn]
type = "dyndns2"
endpoint = "${dyn.url}"
username = "me"
password_file = "${join(dir, "password")}"
[[records]]
name = "${NAME}"
provider = "dyn"
verify_interval = 86400
`,
    );
    args = ["--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state"), "--events-dir", join(dir, "run", "events")];
    env = { DDNS_AUTHORITATIVE_PORT: String(auth.port) };
  });
  after(async () => {
    await auth?.stop();
    await local?.stop();
    await dyn?.close();
  });

  /** Moves our own last push (and last check) back by `ms`, as time passing would. */
  async function age(ms: number): Promise<void> {
    const s = JSON.parse(await readFile(statePath(), "utf8")) as { records: Record<string, { pushedAt?: number; verify?: { at: number } }> };
    for (const r of Object.values(s.records)) {
      if (r.pushedAt !== undefined) r.pushedAt -= ms;
      if (r.verify !== undefined) r.verify.at -= ms;
    }
    await writeFile(statePath(), JSON.stringify(s));
  }

  it("published, then checked/verify/in-sync by the authoritative server, the split-horizon resolver's answer ignored, nothing sent", async () => {
    const first = await ddns("run");
    assert.equal(first.code, 0, first.stderr);
    assert.equal(dyn.count(), 1);
    const v = await ddns("verify");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /home\.example\.org \(ipv4\) via dyn: in-sync \(serves 198\.51\.100\.7, authoritative DNS\)/);
    assert.doesNotMatch(v.stdout, /10\.1\.2\.3/);
    const j = JSON.parse((await ddns("verify", "--json")).stdout) as { records: { result: string; served: string[] }[] };
    assert.deepEqual(j.records.map((r) => [r.result, r.served]), [["in-sync", ["198.51.100.7"]]]);
    assert.equal(dyn.count(), 1, "ddns verify pushes nothing");
  });

  it("no drift, check due/timer run/the check is made, zero writes to the provider", async () => {
    await age(2 * 86_400_000);
    const n = dyn.count();
    const r = await ddns("run");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(dyn.count(), n);
    const s = JSON.parse(await readFile(statePath(), "utf8")) as { records: Record<string, { verify?: { result: string } }> };
    assert.equal(s.records[`${NAME}/ipv4`]?.verify?.result, "in-sync");
    const again = await ddns("run");
    assert.equal(again.stdout + again.stderr, "", "until the next check a run is idle and silent");
    // The idle seal written by that run does not answer `run --verify`: it checks now.
    const at = (JSON.parse(await readFile(statePath(), "utf8")) as { records: Record<string, { verify?: { at: number } }> }).records[`${NAME}/ipv4`]?.verify?.at ?? 0;
    await new Promise((r) => setTimeout(r, 20));
    const forced = await ddns("run", "--verify");
    assert.equal(forced.code, 0, forced.stderr);
    const at2 = (JSON.parse(await readFile(statePath(), "utf8")) as { records: Record<string, { verify?: { at: number } }> }).records[`${NAME}/ipv4`]?.verify?.at ?? 0;
    assert.ok(at2 > at, "run --verify checked again despite the seal");
    assert.equal(dyn.count(), n);
  });

  it("record changed behind ddns's back right after our own push/run --verify/propagating, no repair", async () => {
    // A fresh push of ours: the window of max(TTL, 10 min) is open.
    const s = JSON.parse(await readFile(statePath(), "utf8")) as { records: Record<string, { pushedAt?: number }> };
    s.records[`${NAME}/ipv4`]!.pushedAt = Date.now() - 60_000;
    await writeFile(statePath(), JSON.stringify(s));
    await nsupdate(auth, [`update delete ${NAME} A`, `update add ${NAME} 300 A 192.0.2.99`]);
    const n = dyn.count();
    const r = await ddns("run", "--verify");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(dyn.count(), n, "our own change may still be propagating: no repair");
    const st = await ddns("status");
    assert.match(st.stdout, /propagating/);
  });

  it("record changed behind ddns's back/verify, then run --verify/drifted (served X, expected Y); repaired with one request, logged", async () => {
    await age(3_600_000);
    const v = await ddns("verify");
    assert.match(v.stdout, /drifted \(served 192\.0\.2\.99, expected 198\.51\.100\.7; authoritative DNS\)/);
    const n = dyn.count();
    const r = await ddns("run", "--verify");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(dyn.count() - n, 1, "one request");
    assert.equal(dyn.requests.at(-1)?.query["myip"], "198.51.100.7");
    assert.match(r.stdout + r.stderr, /home\.example\.org \(ipv4\) had drifted at provider "dyn" \(dyndns2\): it served 192\.0\.2\.99 instead of 198\.51\.100\.7; 198\.51\.100\.7 was put back/);
    const st = await ddns("status");
    assert.match(st.stdout, /drifted, it served 192\.0\.2\.99/);
    // The service puts its zone right (the stand-in's part), and the next checks find it in sync.
    await nsupdate(auth, [`update delete ${NAME} A`, `update add ${NAME} 300 A 198.51.100.7`]);
    const quiet = await ddns("run");
    assert.equal(dyn.count() - n, 1, "a timer run after the repair sends nothing");
    assert.equal(quiet.code, 0);
  });

  it("record deleted behind ddns's back/run --verify/recreated with one request", async () => {
    await nsupdate(auth, [`update delete ${NAME} A`]);
    await age(3_600_000);
    const n = dyn.count();
    const r = await ddns("run", "--verify");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(dyn.count() - n, 1);
    assert.match(r.stdout + r.stderr, /it served no record instead of 198\.51\.100\.7/);
    await nsupdate(auth, [`update add ${NAME} 300 A 198.51.100.7`]);
  });

  it("authoritative server silent/run --verify/no push, exit 0, ddns status says it could not verify", async () => {
    await age(3_600_000);
    const silent = await startDnsServer("127.0.0.1", () => null);
    try {
      const n = dyn.count();
      const r = await runDdns(["run", "--verify", ...args], { DDNS_AUTHORITATIVE_PORT: String(silent.port) });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(dyn.count(), n, "an unanswered check changes nothing");
      const st = await ddns("status");
      assert.match(st.stdout, /could not verify: no authoritative answer for home\.example\.org/);
      const j = JSON.parse((await ddns("status", "--json")).stdout) as { records: { verify: { result: string } | null }[] };
      assert.equal(j.records[0]?.verify?.result, "unknown");
      await assertNoSecrets([PASSWORD], { stdout: r.stdout + st.stdout, stderr: r.stderr + st.stderr, files: [statePath()] });
    } finally {
      await silent.close();
    }
    assert.deepEqual(dyn.violations(), []);
  });
});

describe("drift repair end to end through a provider's read API (Cloudflare mock)", () => {
  const TOKEN = "cf-verify-e2e-token-77Kq";
  it("record deleted in the dashboard/timer run when the check falls due/one GET finds it gone, one POST recreates it", async () => {
    const { startCloudflareServer } = await import("../helpers/cloudflare-server.js");
    const cf = await startCloudflareServer({ token: TOKEN, zones: [{ name: "example.org", id: "zone0000000000000000000000000017" }] });
    try {
      const d = await mkdtemp(join(tmpdir(), "ddns-verify-cf-"));
      await writeFile(join(d, "token"), TOKEN + "\n");
      await writeFile(
        join(d, "ddns.toml"),
        `[ipv4]\nsources = ["static"]\naddress = "198.51.100.7"\n[ipv6]\nenabled = false\n[providers.cf]\ntype = "cloudflare"\nendpoint = "${cf.url}"\ntoken_file = "${join(d, "token")}"\n[[records]]\nname = "${NAME}"\nprovider = "cf"\n`,
      );
      const a = ["--config", join(d, "ddns.toml"), "--state-dir", join(d, "state"), "--events-dir", join(d, "run", "events")];
      // No resolver is configured or needed: an API check asks no DNS question (env has no DDNS_AUTHORITATIVE_PORT either).
      assert.equal((await runDdns(["run", ...a])).code, 0);
      const id = cf.records().find((r) => r.name === NAME)!.id;
      cf.deleteRecord(id);
      const sp = join(d, "state", "state.json");
      const s = JSON.parse(await readFile(sp, "utf8")) as { records: Record<string, { pushedAt?: number }> };
      s.records[`${NAME}/ipv4`]!.pushedAt! -= 2 * 86_400_000;
      await writeFile(sp, JSON.stringify(s));
      const n = cf.requests.length;
      const r = await runDdns(["run", ...a]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(cf.requests.slice(n).map((x) => x.method), ["GET", "POST"], "one read, one write");
      assert.deepEqual(cf.records().filter((x) => x.name === NAME).map((x) => x.content), ["198.51.100.7"]);
      assert.match(r.stdout + r.stderr, /served no record instead of 198\.51\.100\.7; 198\.51\.100\.7 was put back/);
      const m = cf.requests.length;
      for (let i = 0; i < 3; i++) assert.equal((await runDdns(["run", ...a])).code, 0);
      assert.equal(cf.requests.length, m, "the timer runs after it ask nothing until the next check");
      await assertNoSecrets([TOKEN], { stdout: r.stdout, stderr: r.stderr, files: [sp] });
      assert.deepEqual(cf.violations(), []);
    } finally {
      await cf.close();
    }
  });
});

describe("drift repair end to end with rfc2136 (a real BIND as the configured primary)", () => {
  it("record changed, then deleted behind ddns's back/run --verify/the primary is asked directly (no resolver), an UPDATE puts it back, then in-sync", async () => {
    const bind = await startBind({ "ddns-key": "hmac-sha256" }, [{ name: "example.net", policy: 'update-policy { grant "ddns-key" zonesub A AAAA; };' }]);
    const d = await mkdtemp(join(tmpdir(), "ddns-verify-rfc2136-"));
    try {
      const key = bind.keys["ddns-key"]!;
      await writeFile(join(d, "key"), key.secret + "\n");
      await writeFile(
        join(d, "ddns.toml"),
        `[ipv4]\nsources = ["static"]\naddress = "198.51.100.21"\n[ipv6]\nenabled = false\n[providers.bind]\ntype = "rfc2136"\nserver = "127.0.0.1:${bind.port}"\nzone = "example.net"\nkey_name = "ddns-key"\nkey_secret_file = "${join(d, "key")}"\n[[records]]\nname = "home.example.net"\nprovider = "bind"\nttl = 60\n`,
      );
      const a = ["--config", join(d, "ddns.toml"), "--state-dir", join(d, "state"), "--events-dir", join(d, "run", "events")];
      // No resolver and no DDNS_AUTHORITATIVE_PORT: the configured primary is the one asked.
      assert.equal((await runDdns(["run", ...a])).code, 0);
      assert.deepEqual(await bind.query("home.example.net", "A"), ["198.51.100.21"]);
      const behind = (lines: string[]) =>
        new Promise<void>((resolve, reject) => {
          const c = execFile("/usr/bin/nsupdate", ["-y", `${key.algorithm}:${key.name}:${key.secret}`], (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve()));
          c.stdin!.end([`server 127.0.0.1 ${bind.port}`, "zone example.net", ...lines, "send", ""].join("\n"));
        });
      const sp = join(d, "state", "state.json");
      const age = async () => {
        const s = JSON.parse(await readFile(sp, "utf8")) as { records: Record<string, { pushedAt?: number }> };
        s.records["home.example.net/ipv4"]!.pushedAt! -= 3_600_000;
        await writeFile(sp, JSON.stringify(s));
      };
      for (const [what, lines, served] of [
        ["changed", ["update delete home.example.net A", "update add home.example.net 60 A 192.0.2.250"], "192.0.2.250"],
        ["deleted", ["update delete home.example.net A"], "no record"],
      ] as const) {
        await behind([...lines]);
        await age();
        const v = await runDdns(["verify", ...a]);
        assert.match(v.stdout, new RegExp(`drifted \\(served ${served.replace(/\./g, "\\.")}, expected 198\\.51\\.100\\.21`), `${what}: ${v.stdout}${v.stderr}`);
        const r = await runDdns(["run", "--verify", ...a]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout + r.stderr, new RegExp(`it served ${served.replace(/\./g, "\\.")} instead of 198\\.51\\.100\\.21`));
        assert.deepEqual(await bind.query("home.example.net", "A"), ["198.51.100.21"], `${what}: put back`);
        const again = await runDdns(["verify", ...a]);
        assert.match(again.stdout, /in-sync \(serves 198\.51\.100\.21, authoritative DNS\)/);
        await assertNoSecrets([key.secret], { stdout: v.stdout + r.stdout + again.stdout, stderr: v.stderr + r.stderr + again.stderr, files: [sp] });
      }
    } finally {
      await bind.stop();
    }
  });
});
