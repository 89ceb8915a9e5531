import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, stat, readFile, mkdir, readdir, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCloudflareServer, type CloudflareServer } from "../helpers/cloudflare-server.js";
import { runDdns } from "../helpers/ddns.js";
import { assertNoSecrets, type Seen } from "../helpers/secrets.js";

const TOKEN = "cf-e2e-token-Zq81x";

async function setup(cf: CloudflareServer, ipv4: string, extra = "") {
  const dir = await mkdtemp(join(tmpdir(), "ddns-e2e-"));
  await writeFile(join(dir, "token"), TOKEN + "\n");
  const configText = (addr: string) => `
[ipv4]
sources = ["event", "static"]
address = "${addr}"
accept_private = true
[ipv6]
enabled = false
[providers.home]
type = "cloudflare"
endpoint = "${cf.url}"
token_file = "${join(dir, "token")}"
${extra}
[[records]]
name = "home.example.org"
provider = "home"
`;
  await writeFile(join(dir, "ddns.toml"), configText(ipv4));
  const args = ["--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state"), "--events-dir", join(dir, "run", "events")];
  return {
    dir,
    run: (...more: string[]) => runDdns(["run", ...args, ...more]),
    cli: (cmd: string, ...more: string[]) => runDdns([cmd, ...args, ...more]),
    setAddress: (addr: string) => writeFile(join(dir, "ddns.toml"), configText(addr)),
    statePath: join(dir, "state", "state.json"),
  };
}

/** The token (and any other secret given) is in nothing the test saw, state included. */
async function noSecret(seen: Seen, ...more: string[]) {
  await assertNoSecrets([TOKEN, ...more], seen);
}

describe("ddns run - end to end against a loopback Cloudflare", () => {
  let cf: CloudflareServer;
  before(async () => {
    cf = await startCloudflareServer({ token: TOKEN, zones: [{ name: "example.org", id: "zone0000000000000000000000000001" }] });
  });
  after(() => cf.close());

  it("first run/push/creates the record; second run/no-op/zero requests and zero writes", async () => {
    const t = await setup(cf, "198.51.100.7");
    const first = await t.run();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /home\.example\.org \(ipv4\) now points to 198\.51\.100\.7/);
    assert.deepEqual(cf.records().filter((r) => r.name === "home.example.org").map((r) => [r.type, r.content]), [["A", "198.51.100.7"]]);
    const before = await stat(t.statePath);
    const count = cf.count();
    const second = await t.run();
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout + second.stderr, "", "a no-op run says nothing");
    assert.equal(cf.count(), count, "a no-op run makes no request");
    const afterStat = await stat(t.statePath);
    assert.equal(afterStat.ino, before.ino, "a no-op run does not rewrite the state file");
    assert.equal(afterStat.mtimeMs, before.mtimeMs);
    assert.deepEqual(cf.violations(), []);
    await noSecret({ stdout: first.stdout + second.stdout, stderr: first.stderr + second.stderr, files: [t.statePath] });
  });

  it("address changed/run/exactly one request (cached ids)", async () => {
    const t = await setup(cf, "198.51.100.8");
    assert.equal((await t.run()).code, 0);
    await t.setAddress("198.51.100.9");
    const n = cf.count();
    const r = await t.run();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(cf.count() - n, 1);
    assert.equal(cf.requests.at(-1)?.method, "PATCH");
    assert.match(r.stdout, /now points to 198\.51\.100\.9 \(was 198\.51\.100\.8\)/);
  });

  it("event file/run/its address wins, the file is removed", async () => {
    const t = await setup(cf, "198.51.100.10");
    const events = join(t.dir, "run", "events");
    await mkdir(events, { recursive: true });
    await writeFile(join(events, "eth0"), "SOURCE=manual\nIFACE=eth0\nACTION=up\nIPV4=198.51.100.11\nTIME=1800000000\n");
    const r = await t.run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /now points to 198\.51\.100\.11/);
    assert.deepEqual(await readdir(events), []);
  });

  it("push event for a listed name/run/sets only that record, status shows the push", async () => {
    const t = await setup(cf, "198.51.100.20", "");
    const text = (await readFile(join(t.dir, "ddns.toml"), "utf8")) +
      `[[records]]\nname = "other.example.org"\nprovider = "home"\n\n[push]\nnames = ["home.example.org"]\ntoken_file = "${join(t.dir, "token")}"\n`;
    await writeFile(join(t.dir, "ddns.toml"), text);
    assert.equal((await t.run()).code, 0);
    const events = join(t.dir, "run", "events");
    await mkdir(events, { recursive: true });
    await writeFile(join(events, "home.example.org"), "SOURCE=push\nNAME=home.example.org\nFROM=192.0.2.1\nIPV4=198.51.100.21\nTIME=1800000000\n");
    await writeFile(join(events, "other.example.org"), "SOURCE=push\nNAME=other.example.org\nIPV4=198.51.100.22\nTIME=1800000000\n");
    const n = cf.count();
    const r = await t.run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /home\.example\.org \(ipv4\) now points to 198\.51\.100\.21/);
    assert.doesNotMatch(r.stdout, /other\.example\.org/, "a push sets only the record it names");
    assert.match(r.stderr, /push for other\.example\.org was ignored/);
    assert.equal(cf.count() - n, 1);
    assert.deepEqual(await readdir(events), []);
    const s = JSON.parse((await t.cli("status", "--json")).stdout) as { pushes: Array<{ name: string; address: string; from: string | null }> };
    assert.deepEqual(s.pushes.map((p) => [p.name, p.address, p.from]), [["home.example.org", "198.51.100.21", "192.0.2.1"]]);
    assert.match((await t.cli("status")).stdout, /last push for home\.example\.org: 198\.51\.100\.21 at .* from 192\.0\.2\.1/);
  });

  it("--dry-run/run/prints the plan, sends nothing, writes nothing", async () => {
    const t = await setup(cf, "198.51.100.12");
    const n = cf.count();
    const r = await t.run("--dry-run");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /home\.example\.org \(ipv4\): would push 198\.51\.100\.12 \(first\)/);
    assert.equal(cf.count(), n);
    await assert.rejects(stat(t.statePath));
  });

  it("bad token/run/exit 77, latched, next run sends nothing; config change unlatches", async () => {
    const t = await setup(cf, "198.51.100.13");
    await writeFile(join(t.dir, "token"), "wrong-token-value\n");
    const r = await t.run();
    assert.equal(r.code, 77, r.stdout + r.stderr);
    assert.match(r.stderr, /refused home\.example\.org \(ipv4\)/);
    await noSecret({ stdout: r.stdout, stderr: r.stderr, dirs: [join(t.dir, "state")] }, "wrong-token-value");
    const n = cf.count();
    const again = await t.run();
    assert.equal(again.code, 0);
    assert.equal(cf.count(), n, "a latched record makes no request");
    const status = await t.cli("status", "--json");
    const s = JSON.parse(status.stdout) as { records: Array<{ latched: unknown }> };
    assert.ok(s.records[0]?.latched);
    // The operator fixes the token file: its mtime/size change the provider's fingerprint.
    await new Promise((res) => setTimeout(res, 20));
    await writeFile(join(t.dir, "token"), TOKEN + "\n");
    const fixed = await t.run();
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /198\.51\.100\.13/);
  });

  it("provider down/run/exit 75 with backoff; next run inside it sends nothing and exits 0", async () => {
    const t = await setup(cf, "198.51.100.14");
    cf.fail({ status: 503, body: "<html>503</html>" });
    const r = await t.run();
    assert.equal(r.code, 75, r.stdout + r.stderr);
    const n = cf.count();
    const again = await t.run();
    assert.equal(again.code, 0);
    assert.equal(cf.count(), n);
    const s = JSON.parse((await t.cli("status", "--json")).stdout) as { records: Array<{ nextRetry: string | null }> };
    assert.ok(s.records[0]?.nextRetry);
  });

  it("corrupt state/run/set aside with a warning, rebuilt", async () => {
    const t = await setup(cf, "198.51.100.15");
    await mkdir(join(t.dir, "state"), { recursive: true });
    await writeFile(t.statePath, "{ not json");
    const r = await t.run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /was unusable/);
    const files = await readdir(join(t.dir, "state"));
    assert.ok(files.some((f) => f.startsWith("state.json.corrupt-")));
    assert.ok(files.includes("state.json"));
  });

  it("invalid config/run/exit 78 naming file, line and key", async () => {
    const t = await setup(cf, "198.51.100.16");
    await writeFile(join(t.dir, "ddns.toml"), `[ipv4]\nsourcs = ["static"]\n`);
    const r = await t.run();
    assert.equal(r.code, 78);
    assert.match(r.stderr, /ddns\.toml:2: .*sourcs.*did you mean "sources"/);
    assert.ok(!r.stderr.includes("    at "), "no stack trace");
  });

  it("inline secret in a group-readable file/check/refused with the fix", async () => {
    const t = await setup(cf, "198.51.100.17");
    const text = (await readFile(join(t.dir, "ddns.toml"), "utf8")).replace(/token_file = .*/, `token = "${TOKEN}"`);
    await writeFile(join(t.dir, "ddns.toml"), text);
    await chmod(join(t.dir, "ddns.toml"), 0o644);
    const r = await t.cli("check");
    assert.equal(r.code, 78);
    await noSecret({ stdout: r.stdout, stderr: r.stderr });
  });
});

describe("ddns run - concurrency", () => {
  it("ten runs at once/run/one set of provider requests, all exit 0, state valid", async () => {
    const cf = await startCloudflareServer({ token: TOKEN, zones: [{ name: "example.org", id: "zone0000000000000000000000000002" }], delayMs: 150 });
    try {
      const t = await setup(cf, "198.51.100.30");
      const results = await Promise.all(Array.from({ length: 10 }, () => t.run()));
      assert.deepEqual(results.map((r) => r.code), Array(10).fill(0), results.map((r) => r.stderr).join("\n"));
      // Zone walk (2), record lookup (1), create (1): once, not ten times.
      assert.equal(cf.count(), 4);
      assert.equal(results.filter((r) => /now points to/.test(r.stdout)).length, 1);
      const s = JSON.parse(await readFile(t.statePath, "utf8")) as { records: Record<string, { published: string[] }> };
      assert.deepEqual(s.records["home.example.org/ipv4"]?.published, ["198.51.100.30"]);
    } finally {
      await cf.close();
    }
  });
});
