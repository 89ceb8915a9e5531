import { MESSAGE_IDS } from "./message-ids.js";
import type { Logger, Transition } from "./types.js";

/** The native addon's shape (systemd-journald 1.5). */
export interface Journald {
  err(msg: string, fields?: Record<string, string>): void;
  warning(msg: string, fields?: Record<string, string>): void;
  notice(msg: string, fields?: Record<string, string>): void;
  info(msg: string, fields?: Record<string, string>): void;
}

type Sink = (priority: number, message: string, fields: Record<string, string>) => Promise<void>;

/**
 * Structured journal entries (MESSAGE_ID, DDNS_RECORD, DDNS_FAMILY, DDNS_PROVIDER,
 * DDNS_OLD, DDNS_NEW). Tries, in order: the optional native addon
 * `systemd-journald`; `logger --journald` (util-linux, Essential in Debian), which
 * sends one structured entry from `FIELD=value` lines on stdin; and last a
 * `<N>`-prefixed line on stderr, which journald files with that priority
 * (SyslogLevelPrefix=). Nothing is loaded until the first entry: a no-op run pays
 * nothing for logging.
 */
export interface JournalOptions {
  /** The util-linux `logger` binary. */
  loggerPath?: string;
  /** Loads the native addon, or returns undefined (tests force the fallbacks). */
  addon?: () => Journald | undefined;
}

export function createJournalLogger(stderr: (line: string) => void, opts: JournalOptions = {}): Logger {
  const loggerPath = opts.loggerPath ?? "logger";
  const loadAddon = opts.addon ?? nativeAddon;
  let sink: Sink | undefined;
  const pending = new Set<Promise<void>>();

  const fallback: Sink = async (priority, message) => {
    stderr(`<${priority}>${message}`);
  };
  const viaLogger: Sink = (priority, message, fields) =>
    new Promise((resolve) => {
      const lines = [`MESSAGE=${oneLine(message)}`, `PRIORITY=${priority}`, "SYSLOG_IDENTIFIER=ddns"];
      for (const [k, v] of Object.entries(fields)) lines.push(`${k}=${oneLine(v)}`);
      let settled = false;
      const done = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        if (ok) resolve();
        else void fallback(priority, message, fields).then(resolve);
      };
      // node:child_process is loaded only when there is something to log.
      import("node:child_process").then(({ spawn }) => {
        const child = spawn(loggerPath, ["--journald"], { stdio: ["pipe", "ignore", "ignore"] });
        child.on("error", () => done(false));
        child.on("close", (code) => done(code === 0));
        child.stdin.on("error", () => undefined);
        child.stdin.end(lines.join("\n") + "\n");
      }).catch(() => done(false));
    });

  function choose(): Sink {
    const j = loadAddon();
    if (j === undefined) return viaLogger;
    return async (priority, message, fields) => {
        const f = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
        if (priority <= 3) j.err(message, f);
        else if (priority === 4) j.warning(message, f);
        else if (priority === 5) j.notice(message, f);
        else j.info(message, f);
    };
  }

  function send(priority: number, message: string, fields: Record<string, string>): void {
    sink ??= choose();
    const p = sink(priority, message, fields).catch(() => fallback(priority, message, fields));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  return {
    transition(t: Transition) {
      const fields: Record<string, string> = { MESSAGE_ID: MESSAGE_IDS[t.kind] };
      if (t.record !== undefined) fields["DDNS_RECORD"] = t.record;
      if (t.family !== undefined) fields["DDNS_FAMILY"] = t.family;
      if (t.provider !== undefined) fields["DDNS_PROVIDER"] = t.provider;
      if (t.old !== undefined) fields["DDNS_OLD"] = t.old;
      if (t.new !== undefined) fields["DDNS_NEW"] = t.new;
      send(t.priority, t.message, fields);
    },
    warn(message: string) {
      send(4, message, {});
    },
    async close() {
      await Promise.all([...pending]);
    },
  };
}

function nativeAddon(): Journald | undefined {
  try {
    // node:module is loaded on this path only (process.getBuiltinModule: Node >= 20.16).
    const require = process.getBuiltinModule("node:module").createRequire(import.meta.url);
    const Ctor = require("systemd-journald") as new (defaults: Record<string, string>) => Journald;
    return new Ctor({ syslog_identifier: "ddns" });
  } catch {
    return undefined;
  }
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}
