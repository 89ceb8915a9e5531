/**
 * The `command` source: run the configured argv (no shell) and read one line.
 *
 * The first line of stdout holds the address(es), separated by spaces; each must be
 * an address of the family. A non-zero exit, a signal, the timeout (the family's
 * timeout_ms, then SIGKILL) or more than MAX_OUTPUT_BYTES of output make it
 * unavailable. stderr is not shown (it could hold anything); its first line is kept
 * short in the reason to help the operator.
 */
import { execFile } from "node:child_process";
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

function run(argv: string[], timeoutMs: number, signal: AbortSignal): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { shell: false, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: MAX_OUTPUT_BYTES, signal, encoding: "utf8", windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, signal: null, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string | null };
        let error: string | undefined;
        if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") error = `printed more than ${MAX_OUTPUT_BYTES} bytes`;
        else if (e.code === "ABORT_ERR") error = (signal.reason as Error | undefined)?.name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : "aborted";
        else if (e.code === "ENOENT") error = "not found";
        else if (e.code === "EACCES") error = "not executable";
        else if (e.killed && e.signal === "SIGKILL") error = `timed out after ${timeoutMs} ms`;
        const r: Ran = { code: typeof e.code === "number" ? e.code : null, signal: e.signal ?? null, stdout, stderr };
        if (error !== undefined) r.error = error;
        resolve(r);
      },
    );
  });
}

export function createCommandSource(cfg: FamilyConfig): IpSource {
  return {
    name: "command",
    async detect(family: Family, signal: AbortSignal): Promise<Detection> {
      const unavailable = (reason: string): Detection => ({ kind: "unavailable", source: "command", reason });
      if (cfg.command.length === 0 || cfg.command[0] === "") return unavailable("no command configured");
      const what = printable(cfg.command[0]!, 80);
      if (signal.aborted) return unavailable("aborted");
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
