import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { ROOT } from "../helpers/ddns.js";
import { startCloudflareServer, type CloudflareServer } from "../helpers/cloudflare-server.js";
import { assertNoSecrets, secretScanStats } from "../helpers/secrets.js";
import { count, fixture, staticIpv4, TOKEN, ZONE } from "./fixture.js";

const KILLS = count(200, 16);
/** Each provider answer is this late: a run spends most of its time inside updates. */
const DELAY_MS = 150;
const NAME = "home.example.org";

function spawnAndKill(args: string[], afterMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}dist/ddns.cjs`, "run", ...args], { env: { PATH: "/usr/bin:/bin" }, stdio: "ignore" });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill("SIGKILL");
    }, afterMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ killed: killed && code === null, code });
    });
  });
}

describe("Reliability - kill -9 during updates", () => {
  let cf: CloudflareServer;
  before(async () => {
    cf = await startCloudflareServer({ token: TOKEN, zones: [ZONE], delayMs: DELAY_MS });
  });
  after(() => cf.close());

  it(`${KILLS} kills at random instants/each followed by a run/state valid, converged, no duplicate push`, async () => {
    const f = await fixture({ endpoint: cf.url, ipv4: staticIpv4("198.51.100.40") });
    // A full run's duration bounds the instants: kills land from process start to exit.
    const warm = await f.run();
    assert.equal(warm.code, 0, warm.stderr);
    await f.writeConfig(staticIpv4("198.51.100.39"));
    const change = await f.run();
    assert.equal(change.code, 0, change.stderr);
    // Shrunk whenever a run finishes before its kill: one slow reference run on a busy
    // machine must not spread the kills past the end of most runs.
    let span = Math.max(300, change.ms * 1.1);
    const figures = { kills: 0, finishedFirst: 0, providerAheadOfState: 0, recoveryRequests: 0, leftovers: 0 };
    let stdout = warm.stdout + change.stdout;
    let stderr = warm.stderr + change.stderr;
    // Until KILLS runs were killed mid-way (a run that finished first is not a kill).
    let i = 0;
    for (; figures.kills < KILLS && i < KILLS * 12; i++) {
      const address = `198.51.100.${41 + (i % 50)}`;
      await f.writeConfig(staticIpv4(address));
      const k = await spawnAndKill(f.args, Math.random() * span);
      if (k.killed) figures.kills++;
      else {
        figures.finishedFirst++;
        span = Math.max(100, span * 0.85);
      }
      const st = await f.state(); // throws when the file does not validate
      const held = cf.records().filter((r) => r.name === NAME && r.type === "A").map((r) => r.content);
      if (held.includes(address) && !(st?.records[`${NAME}/ipv4`]?.published ?? []).includes(address)) figures.providerAheadOfState++;

      const n = cf.count();
      const r = await f.run();
      stdout += r.stdout;
      stderr += r.stderr;
      assert.equal(r.code, 0, `after kill ${i}: ${r.stdout}${r.stderr}`);
      const sent = cf.requests.slice(n);
      figures.recoveryRequests += sent.length;
      for (const q of sent) {
        const content = (q.body as { content?: unknown } | null)?.["content"];
        if ((q.method === "PATCH" || q.method === "POST") && typeof content === "string") {
          assert.ok(!held.includes(content), `after kill ${i}: ${q.method} pushed ${content}, which the provider already had`);
        }
      }
      assert.deepEqual(cf.records().filter((x) => x.name === NAME && x.type === "A").map((x) => x.content), [address], `after kill ${i}: converged (the run said: ${r.stdout}${r.stderr})`);
      assert.deepEqual((await f.state())?.records[`${NAME}/ipv4`]?.published, [address]);
      // state.json, and the idle seal an idle run may leave (state/idle-seal.ts); no temp file.
      const files = (await readdir(f.stateDir)).filter((x) => x !== "state.json" && x !== "idle.json");
      figures.leftovers = files.length;
      assert.deepEqual(files, [], `after kill ${i}: no leftover file in the state directory`);
    }
    assert.deepEqual(cf.violations(), []);
    await assertNoSecrets([TOKEN], { stdout, stderr, dirs: [f.stateDir] });
    console.log(`# crash runs=${i} kills=${figures.kills} finished-before-kill=${figures.finishedFirst} provider-ahead-of-state=${figures.providerAheadOfState} recovery-requests=${figures.recoveryRequests} span-ms=${Math.round(span)}`);
    assert.equal(figures.kills, KILLS, `only ${figures.kills} of ${i} runs were killed mid-way`);
  });
});

process.on("exit", () => {
  const s = secretScanStats();
  console.log(`# secrets crash: ${s.scans} scans, ${s.bytes} bytes, ${s.secrets} distinct secrets, 0 found`);
});
