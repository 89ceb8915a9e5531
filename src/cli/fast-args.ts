import type { GlobalOptions, RunOptions } from "./runtime.js";

function firstPath(list: string | undefined): string | undefined {
  const first = list?.split(":")[0];
  return first ? first : undefined;
}

/** Where things are unless argv says otherwise: systemd's directories, else the FHS ones. */
export function runDefaults(env: NodeJS.ProcessEnv): GlobalOptions {
  const confDir = firstPath(env["CONFIGURATION_DIRECTORY"]);
  return {
    config: confDir ? `${confDir}/ddns.toml` : "/etc/ddns/ddns.toml",
    stateDir: firstPath(env["STATE_DIRECTORY"]) ?? "/var/lib/ddns",
    eventsDir: "/run/ddns/events",
    dryRun: false,
  };
}

/** Where IPv6 interface addresses are read (a test may point it elsewhere). */
export function procIfInet6Of(env: NodeJS.ProcessEnv): string {
  return env["DDNS_PROC_IF_INET6"] || "/proc/net/if_inet6";
}

/** Where drift checks ask zones' authoritative servers: 53 unless a test says otherwise. */
export function authoritativePortOf(env: NodeJS.ProcessEnv): number {
  const v = Number(env["DDNS_AUTHORITATIVE_PORT"]);
  return Number.isInteger(v) && v > 0 && v < 65536 ? v : 53;
}

/** The `nameserver` addresses of resolv.conf(5) text, in order (at most 3, as the resolver uses). */
export function resolvConfServers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m?.[1] === undefined) continue;
    // A scoped IPv6 address (fe80::1%eth0) cannot be asked through the DNS module: skipped.
    if (!m[1].includes("%")) out.push(m[1].includes(":") ? `[${m[1]}]` : m[1]);
  }
  return out.slice(0, 3);
}

/**
 * The argv parser for the service's own invocation (`ddns run [options]`). yargs
 * costs ~50 ms of module evaluation per start (PERFORMANCE.md), more than the rest
 * of a no-op run; this recognises exactly the run options and returns undefined for
 * anything else (help, other commands, a typo), which then goes to yargs, so every
 * message about a bad command line still comes from one place.
 */
export function parseRunArgs(argv: readonly string[], defaults: GlobalOptions): RunOptions | undefined {
  if (argv[0] !== "run") return undefined;
  const opts: RunOptions = { ...defaults, force: false };
  const valued: Record<string, "config" | "stateDir" | "eventsDir"> = {
    "--config": "config",
    "--state-dir": "stateDir",
    "--events-dir": "eventsDir",
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = valued[name];
    if (key !== undefined) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") return undefined;
      opts[key] = value;
    } else if (arg === "--dry-run") opts.dryRun = true;
    else if (arg === "--force") opts.force = true;
    else if (arg === "--verify") opts.verify = true;
    else return undefined;
  }
  return opts;
}
