// Runs the node:test suites on the compiled output in build/test.
// `--unit` leaves out test/system (real systemd, Debian root), which needs root and minutes.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const unitOnly = process.argv.includes("--unit");
const systemOnly = process.argv.includes("--system");

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const all = find(join(root, "build/test"));
const isSystem = (f) => f.includes("/build/test/system/");
const unit = all.filter((f) => !isSystem(f));
const system = all.filter(isSystem);
function run(files, concurrency) {
  if (files.length === 0) return 0;
  const args = ["--test", "--test-reporter=spec", `--test-concurrency=${concurrency}`, ...files];
  const r = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, DDNS_TEST_ROOT: root } });
  return r.status ?? 1;
}
let status = 0;
if (!systemOnly) status ||= run(unit, 3);
// System suites boot their own systemd or Debian root: one file at a time.
if (!unitOnly) status = run(system, 1) || status;
process.exit(status);
