import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, readFile, readdir, stat, mkdir, rm, utimes } from "node:fs/promises";
import { realpathSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCloudflareServer, type CloudflareServer } from "../helpers/cloudflare-server.js";
import { ROOT, runDdns, type DdnsResult } from "../helpers/ddns.js";
import { assertNoSecrets } from "../helpers/secrets.js";
import { parseSeal } from "../../src/state/idle-seal.js";

/*
 * The idle seal through the real binary (bin/ddns -> dist/ddns-start.cjs, whose first
 * step is src/quick.ts): which runs take the shortcut, and that every input a run
 * depends on breaks it. Whether a run took the shortcut is seen from inside the
 * process: a --require probe records whether the reconciler's bundle (dist/ddns.cjs)
 * was ever read, and, at exit, which files Node's CommonJS loader loaded.
 */
const TOKEN = "cf-seal-token-Hq27v";
const NAME = "home.example.org";

interface Run extends DdnsResult {
  path: "quick" | "full";
  /** The files the run loaded through Node's CommonJS loader, the probe aside. */
  cjs: string[];
  /** The vm.Scripts the run made: "<file> cached|rejected|compiled". */
  scripts: string[];
}

/** The one file a `ddns run` loads through the CommonJS loader (bin/ddns links to it). */
const START = realpathSync(join(ROOT, "bin", "ddns"));

async function setup(cf: CloudflareServer, opts: { ipv4?: string; ipv6?: string; v4sources?: string; extra?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "ddns-seal-"));
  await writeFile(join(dir, "token"), TOKEN + "\n");
  await writeFile(
    join(dir, "probe.cjs"),
    `const fs = require("node:fs"), read = fs.readFileSync; let full = false;\n` +
      `fs.readFileSync = function (p, ...rest) { if (String(p).endsWith("/dist/ddns.cjs")) full = true; return read.call(this, p, ...rest); };\n` +
      `process.on("exit", () => { fs.writeFileSync(${JSON.stringify(join(dir, "probe.out"))}, full ? "full" : "quick"); ` +
      `fs.writeFileSync(${JSON.stringify(join(dir, "probe.cjs.list"))}, Object.keys(require.cache).filter((k) => k !== __filename).join("\\n")); ` +
      `fs.writeFileSync(${JSON.stringify(join(dir, "probe.modules"))}, process.moduleLoadList.join("\\n")); ` +
      `fs.writeFileSync(${JSON.stringify(join(dir, "probe.scripts"))}, scripts.join("\\n")); });\n` +
      // Every vm.Script the run makes (the launcher's, the TOML parser's): name and
      // whether V8 took its code cache.
      `const vm = require("node:vm"); const S = vm.Script; const scripts = []; ` +
      `vm.Script = class extends S { constructor(src, o) { super(src, o); ` +
      `scripts.push(require("node:path").basename(o?.filename ?? "") + " " + (o?.cachedData ? (this.cachedDataRejected ? "rejected" : "cached") : "compiled")); } };\n`,
  );
  const ifInet6 = join(dir, "if_inet6");
  const config = (ipv4: string, ipv6: string | undefined) => `
[ipv4]
sources = ${opts.v4sources ?? `["event", "static"]`}
address = "${ipv4}"
accept_private = true
[ipv6]
${ipv6 === undefined ? "enabled = false" : `sources = ["interface"]\naccept_private = true`}
[providers.home]
type = "cloudflare"
endpoint = "${cf.url}"
token_file = "${join(dir, "token")}"
${opts.extra ?? ""}
[[records]]
name = "${NAME}"
provider = "home"
`;
  if (opts.ipv6 !== undefined) await writeFile(ifInet6, ifInet6Line(opts.ipv6));
  await writeFile(join(dir, "ddns.toml"), config(opts.ipv4 ?? "198.51.100.30", opts.ipv6));
  const args = ["--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state"), "--events-dir", join(dir, "run", "events")];
  const env = { NODE_OPTIONS: `--require ${join(dir, "probe.cjs")}`, DDNS_PROC_IF_INET6: ifInet6 };
  return {
    dir,
    ifInet6,
    sealPath: join(dir, "run", "idle.json"),
    statePath: join(dir, "state", "state.json"),
    events: join(dir, "run", "events"),
    async run(...more: string[]): Promise<Run> {
      await rm(join(dir, "probe.out"), { force: true });
      const r = await runDdns(["run", ...args, ...more], env);
      // Every run, whichever path it took: the token is in none of its output, state or seal.
      await assertNoSecrets([TOKEN], { stdout: r.stdout, stderr: r.stderr, dirs: [join(dir, "state"), join(dir, "run")] });
      return {
        ...r,
        path: (await readFile(join(dir, "probe.out"), "utf8")) as "quick" | "full",
        cjs: (await readFile(join(dir, "probe.cjs.list"), "utf8")).split("\n"),
        scripts: (await readFile(join(dir, "probe.scripts"), "utf8").catch(() => "")).split("\n").filter((l) => l !== ""),
      };
    },
    setConfig: (ipv4: string, ipv6?: string) => writeFile(join(dir, "ddns.toml"), config(ipv4, ipv6)),
  };
}

/** One /proc/net/if_inet6 line: a global, permanent address on eth0. */
function ifInet6Line(addr: string): string {
  const full = addr
    .split("::")
    .map((h) => (h === "" ? [] : h.split(":")))
    .reduce((a, b) => [...a, ...Array(8 - a.length - b.length).fill("0"), ...b]);
  return `${full.map((g) => g.padStart(4, "0")).join("")} 02 40 00 80     eth0\n`;
}

describe("Idle seal - through the binary", () => {
  let cf: CloudflareServer;
  before(async () => {
    cf = await startCloudflareServer({ token: TOKEN, zones: [{ name: "example.org", id: "zone0000000000000000000000000002" }] });
  });
  after(() => cf.close());

  /** Asserts a run that changed nothing: exit 0, silent, no request. */
  async function idle(r: Run, n: number, path: "quick" | "full", why: string) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, "", `${why}: silent`);
    assert.equal(cf.count(), n, `${why}: no request`);
    assert.equal(r.path, path, `${why}: ${path} path`);
    assert.deepEqual(r.cjs, [START], `${why}: one file through the CommonJS loader`);
  }

  it("steady state/run/first idle run seals, later runs take the shortcut; seal holds no secret", async () => {
    const t = await setup(cf);
    const first = await t.run();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.path, "full");
    assert.match(first.stdout, /now points to 198\.51\.100\.30/);
    const n = cf.count();
    await idle(await t.run(), n, "full", "the first idle run");
    const seal = parseSeal(await readFile(t.sealPath, "utf8"));
    assert.ok(seal, "a well-formed seal");
    assert.ok(seal.until > seal.at && seal.until - seal.at <= 86_400_000);
    for (let i = 0; i < 3; i++) await idle(await t.run(), n, "quick", `sealed run ${i}`);
    await assertNoSecrets([TOKEN], { stdout: first.stdout, stderr: first.stderr, files: [t.sealPath] });
    assert.deepEqual(cf.violations(), []);
  });

  it("full reconciler/an idle run without a seal/loads no socket, stream, crypto or stdin module (issue 12: each cost a run milliseconds)", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.43" });
    assert.match((await t.run()).stdout, /now points to 198\.51\.100\.43/);
    await rm(t.sealPath, { force: true });
    const r = await t.run();
    await idle(r, cf.count(), "full", "an idle run without a seal");
    const loaded = (await readFile(join(t.dir, "probe.modules"), "utf8")).split("\n");
    assert.ok(loaded.includes("NativeModule vm"), "the probe saw the reconciler's launcher");
    assert.deepEqual(r.cjs, [START], "the start script is the only file through the CommonJS loader");
    assert.deepEqual(r.scripts, ["ddns.cjs cached"], "no TOML parser and no provider code: the document is cached and nothing is pushed");
    const heavy = loaded.filter((m) => /^NativeModule (net|dgram|crypto|stream|tls|http|https|readline|child_process|internal\/fs\/promises|internal\/fs\/streams)$/.test(m));
    assert.deepEqual(heavy, [], "modules a full no-op has no use for");
  });

  it("config document cache/a full run with an unchanged config/takes the parsed TOML from the run directory (issue 12: the parse was a third of a full run's JavaScript)", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.44" });
    const first = await t.run();
    assert.match(first.stdout, /now points to 198\.51\.100\.44/);
    // The parse loads the TOML parser's own bundle, the push the provider's, each through
    // its code cache (dist/ddns-toml.cjs, dist/ddns-provider-cloudflare.cjs).
    assert.deepEqual(first.scripts, ["ddns.cjs cached", "ddns-toml.cjs cached", "ddns-provider-cloudflare.cjs cached"]);
    const docPath = join(t.dir, "run", "config-doc.json");
    const cached = await readFile(docPath, "utf8");
    assert.match(cached, /"address":"198\.51\.100\.44"/, "the first run kept the parsed document beside the seal");
    // The run after it, seal gone: were the document parsed again, it would say .44 and
    // the run would be idle. The cache entry (same config identity) says .45: pushed.
    await writeFile(docPath, cached.replace("198.51.100.44", "198.51.100.45"), { mode: 0o600 });
    await rm(t.sealPath, { force: true });
    const r = await t.run();
    assert.equal(r.path, "full");
    assert.match(r.stdout, /now points to 198\.51\.100\.45/, "the full run took the document from the cache, not from a TOML parse");
    assert.deepEqual(r.scripts, ["ddns.cjs cached", "ddns-provider-cloudflare.cjs cached"], "no TOML parser loaded when the document comes from the cache");
    // An edit (a new identity) is parsed and applied, whatever the cache says.
    await t.setConfig("198.51.100.46");
    const edited = await t.run();
    assert.match(edited.stdout, /now points to 198\.51\.100\.46/);
    assert.deepEqual(edited.scripts, ["ddns.cjs cached", "ddns-toml.cjs cached", "ddns-provider-cloudflare.cjs cached"]);
    assert.match(await readFile(docPath, "utf8"), /"address":"198\.51\.100\.46"/);
  });

  it("state directory/idle runs, the first after a change included/every file byte-, inode- and mtime-identical; the seal is on the run dir", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.40" });
    const stateDir = join(t.dir, "state");
    /** Every entry of the state directory: name, inode, size, mtime (ns), content. */
    const listing = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const name of (await readdir(stateDir)).sort()) {
        const st = await stat(join(stateDir, name), { bigint: true });
        out.push(`${name} ino=${st.ino} size=${st.size} mtime=${st.mtimeNs} ${createHash("sha256").update(await readFile(join(stateDir, name))).digest("hex")}`);
      }
      return out;
    };
    assert.match((await t.run()).stdout, /now points to 198\.51\.100\.40/);
    for (const change of ["198.51.100.41", "198.51.100.42"]) {
      await t.setConfig(change);
      assert.match((await t.run()).stdout, new RegExp(`now points to ${change.replace(/\./g, "\\.")}`));
      const before = await listing();
      assert.deepEqual(before.map((l) => l.split(" ")[0]), ["state.json"], "the state directory holds the state file only");
      const n = cf.count();
      await idle(await t.run(), n, "full", `the first idle run after the change to ${change}`);
      assert.deepEqual(await listing(), before, "the first idle run wrote nothing in the state directory");
      assert.ok(parseSeal(await readFile(t.sealPath, "utf8")), "it sealed on the run directory");
      await idle(await t.run(), n, "quick", "a sealed run");
      assert.deepEqual(await listing(), before, "a sealed run wrote nothing in the state directory");
    }
  });

  it("config/rewritten, even unchanged, or edited/a full run; an edit is applied", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.31" });
    assert.equal((await t.run()).code, 0);
    await t.run();
    const n = cf.count();
    await idle(await t.run(), n, "quick", "sealed");
    await t.setConfig("198.51.100.31"); // same bytes, new write
    await idle(await t.run(), n, "full", "rewritten config");
    await idle(await t.run(), n, "quick", "sealed again");
    await t.setConfig("198.51.100.32");
    const r = await t.run();
    assert.equal(r.path, "full");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /now points to 198\.51\.100\.32/);
    assert.equal(cf.count() - n, 1);
  });

  it("event file/arrives after sealing/a full run publishes its address", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.33" });
    await t.run();
    await t.run();
    assert.equal((await t.run()).path, "quick");
    await mkdir(t.events, { recursive: true });
    await writeFile(join(t.events, "eth0"), "SOURCE=manual\nIFACE=eth0\nACTION=up\nIPV4=198.51.100.34\nTIME=1800000000\n");
    const r = await t.run();
    assert.equal(r.path, "full");
    assert.match(r.stdout, /now points to 198\.51\.100\.34/);
    // Without the event, static wins again: that run pushes, the next one seals.
    assert.match((await t.run()).stdout, /now points to 198\.51\.100\.33/);
    await t.run();
    assert.equal((await t.run()).path, "quick");
    // Even a hook's temp file in flight breaks the seal (the reconciler leaves it alone).
    await writeFile(join(t.events, ".tmp.x"), "");
    assert.equal((await t.run()).path, "full");
  });

  it("interface address (IPv6 from if_inet6)/changes/a full run publishes the new address", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.35", ipv6: "2001:db8::35" });
    const first = await t.run();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /\(ipv6\) now points to 2001:db8::35/);
    await t.run();
    const n = cf.count();
    await idle(await t.run(), n, "quick", "sealed");
    await writeFile(t.ifInet6, ifInet6Line("2001:db8::36"));
    const r = await t.run();
    assert.equal(r.path, "full");
    assert.match(r.stdout, /\(ipv6\) now points to 2001:db8::36/);
    assert.equal(cf.count() - n, 1);
  });

  it("secret file/rewritten with the same bytes/a full run, nothing pushed", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.37" });
    await t.run();
    await t.run();
    const n = cf.count();
    await idle(await t.run(), n, "quick", "sealed");
    await writeFile(join(t.dir, "token"), TOKEN + "\n");
    await idle(await t.run(), n, "full", "rewritten secret");
    // Its mtime moved back to the sealed value: ctime still differs, no shortcut.
    await utimes(join(t.dir, "token"), new Date(0), new Date(0));
    await idle(await t.run(), n, "full", "touched secret");
  });

  it("lock file, --force, --dry-run/present or given/a full run", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.38" });
    await t.run();
    await t.run();
    assert.equal((await t.run()).path, "quick");
    assert.equal((await t.run("--dry-run")).path, "full");
    const n = cf.count();
    const forced = await t.run("--force");
    assert.equal(forced.path, "full");
    assert.equal(cf.count() - n, 1, "--force pushes");
    await t.run();
    assert.equal((await t.run()).path, "quick");
    await writeFile(join(t.dir, "run", "ddns.lock"), "999999\n");
    assert.equal((await t.run()).path, "full");
  });

  it("backoff/provider down/the seal ends when the backoff does", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.39" });
    cf.fail({ status: 503, body: "<html>503</html>" });
    assert.equal((await t.run()).code, 75);
    const n = cf.count();
    await idle(await t.run(), n, "full", "inside the backoff");
    const state = JSON.parse(await readFile(t.statePath, "utf8")) as { records: Record<string, { retryAt?: number }> };
    const retryAt = state.records[`${NAME}/ipv4`]?.retryAt;
    assert.ok(retryAt !== undefined);
    assert.equal(parseSeal(await readFile(t.sealPath, "utf8"))?.until, retryAt);
    await idle(await t.run(), n, "quick", "sealed inside the backoff");
  });

  it("http detection/a config that needs the network/never sealed", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.40", v4sources: `["static", "http"]` });
    await t.run();
    const n = cf.count();
    await idle(await t.run(), n, "full", "idle");
    await idle(await t.run(), n, "full", "still no shortcut");
    await assert.rejects(readFile(t.sealPath), /ENOENT/);
  });

  it("a forged or foreign seal/in the run directory/ignored", async () => {
    const t = await setup(cf, { ipv4: "198.51.100.41" });
    await t.run();
    await t.run();
    const seal = parseSeal(await readFile(t.sealPath, "utf8"));
    assert.ok(seal);
    for (const bad of [
      { ...seal, version: "0.0.1+other" },
      { ...seal, key: seal.key.replace("events missing", "events empty") },
      { ...seal, until: seal.at + 2 * 86_400_000 },
      { ...seal, at: Date.now() + 60_000 },
      { ...seal, scope: { ...seal.scope, config: "/etc/ddns/other.toml" } },
    ]) {
      await writeFile(t.sealPath, JSON.stringify(bad));
      assert.equal((await t.run()).path, "full", JSON.stringify(bad).slice(0, 80));
    }
    await writeFile(t.sealPath, "{ not json");
    assert.equal((await t.run()).path, "full");
    assert.equal((await t.run()).path, "quick", "the full run wrote a good seal again");
  });
});
