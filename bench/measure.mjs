// Whole-process measurement: wall time (hrtime around the spawn) and peak RSS
// (GNU time's %M, the kernel's maxrss of the child). Children get a clean
// environment, as systemd gives a service (notes/facts.md: this machine's own
// NODE_EXTRA_CA_CERTS alone slows node ~2.5x).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CLEAN_ENV = { PATH: "/usr/bin:/bin" };
const scratch = mkdtempSync(join(tmpdir(), "ddns-bench-time-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs argv once; resolves { wallMs, rssKiB, code, stdout, stderr }. `io`, when given,
 * is { stdin, start }: the child's stdin (a socket, as systemd's Accept=yes hands one)
 * and what to do once it is spawned (send the request); its setup is not timed.
 */
export function measure(argv, env = CLEAN_ENV, io = undefined) {
  const out = join(scratch, `t${process.hrtime.bigint()}`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn("/usr/bin/time", ["-f", "%M", "-o", out, ...argv], { env, stdio: [io?.stdin ?? "ignore", "pipe", "pipe"] });
    io?.start();
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const lines = readFileSync(out, "utf8").trim().split("\n");
      const rssKiB = Number(lines.at(-1));
      rmSync(out, { force: true });
      resolve({ wallMs, rssKiB, code, stdout, stderr });
    });
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs A and B alternately (A B A B ...) `runs` times each, `prepare(which)` before
 * each run (and `io(which)`, a connection for the child: see measure); returns
 * medians and ratios B/A. Interleaving spreads machine noise
 * over both sides.
 */
export async function sideBySide({ a, b, runs, prepare, check, io }) {
  const res = { a: { wall: [], rss: [] }, b: { wall: [], rss: [] } };
  for (let i = 0; i < runs + 1; i++) {
    for (const [side, argv] of [["a", a], ["b", b]]) {
      if (prepare) await prepare(side);
      const conn = io ? await io(side) : undefined;
      const r = await measure(argv, CLEAN_ENV, conn);
      conn?.done();
      if (check) check(side, r);
      if (i === 0) continue; // warm-up pair (page cache), not counted
      res[side].wall.push(r.wallMs);
      res[side].rss.push(r.rssKiB);
    }
  }
  const ma = { wallMs: median(res.a.wall), rssKiB: median(res.a.rss) };
  const mb = { wallMs: median(res.b.wall), rssKiB: median(res.b.rss) };
  return { a: ma, b: mb, wallRatio: mb.wallMs / ma.wallMs, rssRatio: mb.rssKiB / ma.rssKiB, runs };
}
