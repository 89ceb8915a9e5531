/**
 * The `command` source: run the configured argv (no shell) and read one line.
 *
 * The first line of stdout holds the address(es), separated by spaces; each must be
 * an address of the family. A non-zero exit, a signal, the timeout (the family's
 * timeout_ms, then SIGKILL to its process group) or more than MAX_OUTPUT_BYTES of output make it
 * unavailable. stderr is not shown (it could hold anything); its first line is kept
 * short in the reason to help the operator.
 */
import { spawn } from "node:child_process";
import type { FamilyConfig } from "../config/types.js";
import type { Detection, Family, IpSource } from "./types.js";
import { printable, screen } from "./sanity.js";

export const MAX_OUTPUT_BYTES = 4096;

interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  error?: string;
}

/**
 * Runs argv in its own process group (detached) so that on timeout, abort or too much
 * output the whole group is killed, grandchildren included: none outlives the run.
 */
function run(argv: string[], timeoutMs: number, outer: AbortSignal): Promise<Ran> {
  return new Promise((resolve) => {
    const signal = AbortSignal.any([outer, AbortSignal.timeout(timeoutMs)]);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let error: string | undefined;
    let settled = false;
    const child = spawn(argv[0]!, argv.slice(1), { shell: false, detached: true, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    const killGroup = (why: string): void => {
      error ??= why;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
    };
    const onAbort = (): void => {
      const byTimeout = !outer.aborted || (outer.reason as Error | undefined)?.name === "TimeoutError";
      killGroup(byTimeout ? `timed out after ${timeoutMs} ms` : "aborted");
    };
    signal.addEventListener("abort", onAbort, { once: true });
    child.stdout?.on("data", (c: Buffer) => {
      outLen += c.length;
      if (outLen > MAX_OUTPUT_BYTES) killGroup(`printed more than ${MAX_OUTPUT_BYTES} bytes`);
      else out.push(c);
    });
    child.stderr?.on("data", (c: Buffer) => {
      // Only the first line is ever shown; keep a little.
      if (errLen < 1024) err.push(c);
      errLen += c.length;
    });
    const done = (code: number | null, sig: string | null): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      const r: Ran = { code, signal: sig, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
      if (error !== undefined) r.error = error;
      resolve(r);
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      error ??= e.code === "ENOENT" ? "not found" : e.code === "EACCES" ? "not executable" : `could not start (${e.code ?? e.message})`;
      done(null, null);
    });
    // "close" waits for the pipes too: the whole group is gone or they were destroyed.
    child.on("close", (code, sig) => done(code, sig));
    if (signal.aborted) onAbort();
  });
}

export function createCommandSource(cfg: FamilyConfig): IpSource {
  return {
    name: "command",
    async detect(family: Family, signal: AbortSignal): Promise<Detection> {
      const unavailable = (reason: string): Detection => ({ kind: "unavailable", source: "command", reason });
      if (cfg.command.length === 0 || cfg.command[0] === "") return unavailable("no command configured");
      const what = printable(cfg.command[0]!, 80);
      const r = await run(cfg.command, cfg.timeoutMs, signal);
      const errLine = printable((r.stderr.split("\n")[0] ?? "").trim(), 120);
      const hint = errLine === "" ? "" : ` (stderr: ${errLine})`;
      if (r.error !== undefined) return unavailable(`${what} ${r.error}`);
      if (r.signal !== null) return unavailable(`${what} was killed by ${r.signal}${hint}`);
      if (r.code !== 0) return unavailable(`${what} exited with status ${r.code ?? "?"}${hint}`);
      const first = (r.stdout.split("\n")[0] ?? "").trim();
      if (first === "") return unavailable(`${what} printed no address`);
      const tokens = first.split(/\s+/);
      const { accepted, refused } = screen(tokens, family, { acceptPrivate: cfg.acceptPrivate, check: true });
      if (refused.length === 0 && accepted.length > 0) return { kind: "found", source: "command", addresses: accepted };
      return unavailable(`${what} printed ${refused.join(", ")}`);
    },
  };
}
