// `npm run demo`: ddns's main job on a built-in example, no account needed.
// Starts a strict loopback stand-in for Cloudflare's API, writes a config that
// points at it, and runs the real `ddns run` four times: the first publishes the
// address, the second finds nothing to do (no request; it writes the idle seal), the
// third is answered by the seal alone, the fourth follows an address change with
// exactly one request. Everything stays on 127.0.0.1.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const { startCloudflareServer } = await import(root + "build/test/helpers/cloudflare-server.js");
const token = "demo-token-not-a-real-one";
const cf = await startCloudflareServer({ token, zones: [{ name: "example.org", id: "023e105f4ecef8ad9ca31a8372d0c353" }] });
const dir = mkdtempSync(join(tmpdir(), "ddns-demo-"));
writeFileSync(join(dir, "cf.token"), token + "\n", { mode: 0o600 });
const config = (addr) => `# demo config (a real one lives in /etc/ddns/ddns.toml)
[ipv4]
sources = ["static"]
address = "${addr}"

[ipv6]
enabled = false

[providers.home]
type = "cloudflare"
endpoint = "${cf.url}"   # a loopback stand-in for https://api.cloudflare.com/client/v4
token_file = "${join(dir, "cf.token")}"

[[records]]
name = "home.example.org"
provider = "home"
`;
const args = ["--config", join(dir, "ddns.toml"), "--state-dir", join(dir, "state"), "--events-dir", join(dir, "run/events")];
const env = { PATH: "/usr/bin:/bin" };

// The server lives in this process: run ddns asynchronously so it can answer.
const ddns = (cmd) =>
  new Promise((resolve) =>
    execFile(process.execPath, [root + "bin/ddns", cmd, ...args], { env }, (err, stdout, stderr) =>
      resolve({ status: err ? err.code : 0, out: stdout + stderr }),
    ),
  );

async function step(title) {
  const before = cf.count();
  process.stdout.write(`\n\x1b[1m$ ddns run\x1b[0m    # ${title}\n`);
  const t0 = process.hrtime.bigint();
  const r = await ddns("run");
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(r.out);
  process.stdout.write(`  -> exit ${r.status}; requests to the provider: ${cf.count() - before}; ${ms.toFixed(0)} ms\n`);
}

writeFileSync(join(dir, "ddns.toml"), config("203.0.113.7"));
await step("first run: the record does not exist yet");
await step("second run: nothing changed (it leaves the idle seal on the run directory, run/idle.json; the state directory is not written)");
await step("third run: nothing changed, the seal holds: the reconciler is not even loaded");
writeFileSync(join(dir, "ddns.toml"), config("203.0.113.8"));
await step("the address changed to 203.0.113.8");
process.stdout.write(`\n\x1b[1m$ ddns status\x1b[0m\n`);
process.stdout.write((await ddns("status")).out);
process.stdout.write(`\nThe provider now holds: ${cf.records().map((r) => `${r.name} ${r.type} ${r.content}`).join(", ")}\n`);
await cf.close();
rmSync(dir, { recursive: true, force: true });
