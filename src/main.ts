// Composition root: argv/env -> dependencies -> command -> exit code. The only
// module that reads process.env and argv, and the only one that maps errors to exit
// statuses and words for the operator.
import { isDdnsError } from "./errors.js";
import { authoritativePortOf, parseRunArgs, procIfInet6Of, resolvConfServers, runDefaults } from "./cli/fast-args.js";
import { EXIT, type Runtime } from "./cli/runtime.js";
import { stderrIsJournal } from "./log/create.js";
import { writeLine } from "./log/write-line.js";

import { USER_AGENT, VERSION } from "./version.js";

export { VERSION };

function runtime(env: NodeJS.ProcessEnv): Runtime {
  // Plain write(2) on fd 1 and 2 (log/write-line.ts): no stream is ever built.
  const write = (which: "stdout" | "stderr") => (line: string) => writeLine(which === "stdout" ? 1 : 2, line);
  return {
    version: VERSION,
    userAgent: USER_AGENT,
    now: () => Date.now(),
    random: Math.random,
    pid: process.pid,
    uid: process.getuid?.() ?? 0,
    credentialsDir: env["CREDENTIALS_DIRECTORY"] || undefined,
    journal: stderrIsJournal(env["JOURNAL_STREAM"]),
    notify: Boolean(env["NOTIFY_SOCKET"]),
    out: write("stdout"),
    err: write("stderr"),
    procIfInet6: procIfInet6Of(env),
    hostId: once(() => readText("/etc/machine-id")?.trim() || (process.getBuiltinModule("node:os").hostname() ?? "")),
    systemResolvers: once(() => resolvConfServers(readText("/etc/resolv.conf") ?? "")),
    authoritativePort: authoritativePortOf(env),
    trigger: env["TRIGGER_UNIT"] || undefined,
    listenFds: env["LISTEN_PID"] === String(process.pid) ? Number(env["LISTEN_FDS"] ?? 0) || 0 : 0,
    // A getter: process.stdin builds a stream (30 internal modules, ~4 ms) on first
    // touch, and only `ddns setup` asks.
    get interactive() {
      return Boolean(process.stdin.isTTY);
    },
  };
}

function once<T>(f: () => T): () => T {
  let v: { value: T } | undefined;
  return () => (v ??= { value: f() }).value;
}

function readText(path: string): string | undefined {
  try {
    return process.getBuiltinModule("node:fs").readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Bounds glibc's name lookups unless the operator has set RES_OPTIONS.
 *
 * A lookup (getaddrinfo in libuv's thread pool) cannot be abandoned, and Node joins
 * that pool when the process exits: with glibc's defaults (5 s x 2 attempts per
 * nameserver) a silent nameserver kept `ddns detect` alive 10.7 s for a 2.5 s
 * deadline (measured: a netns whose only nameserver never answers). Two tries of
 * 2 s per nameserver end each lookup within ~4 s; a resolver that answers at all
 * answers well inside that. glibc reads the variable when a thread first resolves,
 * so it is set before anything can resolve.
 */
export const RES_OPTIONS = "timeout:2 attempts:2";

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (env["RES_OPTIONS"] === undefined) env["RES_OPTIONS"] = RES_OPTIONS;
  const rt = runtime(env);
  const defs = runDefaults(env);
  try {
    const run = parseRunArgs(argv, defs);
    if (run !== undefined) {
      const { runCommand } = await import("./cli/run.js");
      return await runCommand(run, rt);
    }
    // The human CLI is bundled apart (dist/ddns-cli.cjs, scripts/build.mjs) so a
    // no-op run never compiles yargs.
    // node:module only here: a run never loads it.
    const { createRequire } = await import("node:module");
    const cli = createRequire(import.meta.url)("./ddns-cli.cjs") as typeof import("./cli/commands.js");
    return await cli.runCli(argv, defs, rt);
  } catch (e) {
    return report(e, rt);
  }
}

/** Maps an error to the design's exit status and one sentence on stderr. */
function report(e: unknown, rt: Runtime): number {
  if (isDdnsError(e)) {
    switch (e.code) {
      case "CONFIG_INVALID":
      case "CONFIG_UNREADABLE":
      case "SECRET_UNREADABLE":
        rt.err(`ddns: ${e.message}`);
        return EXIT.config;
      case "STATE_UNWRITABLE":
        rt.err(`ddns: ${e.message}`);
        return EXIT.transient;
      case "USAGE":
        rt.err(`ddns: ${e.message}`);
        return EXIT.usage;
      default:
        rt.err(`ddns: ${e.message}`);
        return EXIT.bug;
    }
  }
  const msg = e instanceof Error ? e.message : String(e);
  rt.err(`ddns: internal error: ${msg}. This is a bug; please report it.`);
  if (process.env["DDNS_DEBUG"] && e instanceof Error && e.stack) rt.err(e.stack);
  return EXIT.bug;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  () => process.exit(EXIT.bug),
);
