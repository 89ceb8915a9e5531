import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ROOT } from "../helpers/ddns.js";
import { startCloudflareServer, type CloudflareServer } from "../helpers/cloudflare-server.js";
import { assertNoSecrets, secretScanStats } from "../helpers/secrets.js";
import { fixture, staticIpv4, TOKEN, ZONE, type Fixture } from "./fixture.js";

/** Why the disk suites cannot run here, or undefined when they can. */
function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (mount a tmpfs in a private mount namespace)";
  const r = spawnSync("unshare", ["-m", "--propagation", "private", "true"], { stdio: "ignore" });
  if (r.status !== 0) return "unshare -m is not permitted here";
  return undefined;
}
const SKIP = cannotRun();

interface Step {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a scenario in a private mount namespace (nothing leaks to the host): a small
 * tmpfs at <dir>/disk holds the state directory; `between` is shell run after a
 * first, good run and before the second (fill the disk, remount read-only...).
 * Each run's output lands in <dir>/out, outside the tmpfs.
 */
async function scenario(f: Fixture, secondAddress: string, between: string): Promise<{ first: Step; second: Step; before: string; after: string }> {
  const out = join(f.dir, "out");
  await mkdir(out, { recursive: true });
  await mkdir(f.stateDir, { recursive: true });
  const ddns = (n: string) =>
    `env -i PATH=/usr/bin:/bin "${process.execPath}" "${ROOT}dist/ddns.cjs" run ${f.args.map((a) => `"${a}"`).join(" ")} >"${out}/${n}.out" 2>"${out}/${n}.err"; echo $? >"${out}/${n}.code"`;
  const script = [
    "set -u",
    `mount -t tmpfs -o size=128k,mode=0755 tmpfs "${f.stateDir}"`,
    ddns("first"),
    `cp "${f.statePath}" "${out}/before.json"`,
    between,
    `node -e 'const fs=require("fs");const p=process.argv[1];fs.writeFileSync(p,fs.readFileSync(p,"utf8").replace(/address = "[^"]*"/,"address = \\"${secondAddress}\\""))' "${f.configPath}"`,
    ddns("second"),
    `cp "${f.statePath}" "${out}/after.json"`,
    `ls -A "${f.stateDir}" >"${out}/files"`,
  ].join("\n");
  // Not spawnSync: the loopback provider in this process must keep answering.
  const r = await new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", script], { env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
  assert.equal(r.status, 0, r.stderr);
  const read = (n: string) => readFile(join(out, n), "utf8");
  const step = async (n: string): Promise<Step> => ({ code: Number((await read(`${n}.code`)).trim()), stdout: await read(`${n}.out`), stderr: await read(`${n}.err`) });
  return { first: await step("first"), second: await step("second"), before: await read("before.json"), after: await read("after.json") };
}

describe("Reliability - full disk and read-only state directory", { skip: SKIP ?? false }, () => {
  let cf: CloudflareServer;
  before(async () => {
    cf = await startCloudflareServer({ token: TOKEN, zones: [ZONE] });
  });
  after(() => cf.close());

  it("disk full/run with a new address/exit 75 naming ENOSPC, previous state intact", async () => {
    const f = await fixture({ endpoint: cf.url, ipv4: staticIpv4("198.51.100.60") });
    const s = await scenario(f, "198.51.100.61", `dd if=/dev/zero of="${f.stateDir}/fill" bs=4k 2>/dev/null; true`);
    assert.equal(s.first.code, 0, s.first.stderr);
    assert.equal(s.second.code, 75, s.second.stdout + s.second.stderr);
    assert.match(s.second.stderr, /cannot save the state file .*state\.json \(ENOSPC\); the previous state is intact/);
    assert.ok(!s.second.stderr.includes("    at "), "no stack trace");
    assert.equal(s.after, s.before, "the previous state file is intact, byte for byte");
    await assertNoSecrets([TOKEN], { stdout: s.first.stdout + s.second.stdout, stderr: s.first.stderr + s.second.stderr, texts: [s.after] });
    console.log(`# disk full: exit ${s.second.code}: ${s.second.stderr.trim().split("\n").at(-1)}`);
  });

  it("read-only state directory/run with a new address/exit 75 naming EROFS, previous state intact", async () => {
    const f = await fixture({ endpoint: cf.url, ipv4: staticIpv4("198.51.100.62") });
    const s = await scenario(f, "198.51.100.63", `mount -o remount,ro "${f.stateDir}"`);
    assert.equal(s.first.code, 0, s.first.stderr);
    assert.equal(s.second.code, 75, s.second.stdout + s.second.stderr);
    assert.match(s.second.stderr, /cannot save the state file .*state\.json \(EROFS\); the previous state is intact/);
    assert.ok(!s.second.stderr.includes("    at "), "no stack trace");
    assert.equal(s.after, s.before, "the previous state file is intact, byte for byte");
    await assertNoSecrets([TOKEN], { stdout: s.first.stdout + s.second.stdout, stderr: s.first.stderr + s.second.stderr, texts: [s.after] });
    console.log(`# read-only: exit ${s.second.code}: ${s.second.stderr.trim().split("\n").at(-1)}`);
  });

  it("corrupt state on a read-only directory/run/exit 75 with a clear sentence, no crash", async () => {
    const f = await fixture({ endpoint: cf.url, ipv4: staticIpv4("198.51.100.64") });
    const s = await scenario(f, "198.51.100.65", `printf '{ broken' >"${f.statePath}"; mount -o remount,ro "${f.stateDir}"`);
    assert.equal(s.second.code, 75, s.second.stdout + s.second.stderr);
    assert.match(s.second.stderr, /state file .* is corrupt .* cannot be set aside/);
    assert.equal(s.after, "{ broken", "the file is left as it was");
  });
});

process.on("exit", () => {
  const s = secretScanStats();
  console.log(`# secrets disk: ${s.scans} scans, ${s.bytes} bytes, ${s.secrets} distinct secrets, 0 found`);
});
