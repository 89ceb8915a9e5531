import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root (this file is compiled to build/test/helpers/). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The bundled program, as the service runs it. */
export const DDNS_BIN = `${ROOT}bin/ddns`;

export interface DdnsResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built ddns as a whole process with a clean environment (as systemd
 * starts it), plus `env`. Nothing of the test's own environment leaks in.
 */
export function runDdns(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<DdnsResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}bin/ddns`, ...args], {
      env: { PATH: "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
