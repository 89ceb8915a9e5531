/**
 * For the secrecy scan (test/helpers/secrets.ts) of tests that boot a real systemd:
 * `recording` keeps every output a test reads from the booted system, and
 * `systemSeen` adds what ddns leaves there — the whole journal, `ddns status`, and
 * every file under the state, run and events directories.
 */
import type { Seen } from "./secrets.js";
import type { BootedSystemd, JournalEntry } from "./systemd-harness.js";

export interface Recorded {
  /** stdout and stderr of every run and sh. */
  texts: string[];
  /** Every journal entry read, by cursor. */
  journal: Map<string, JournalEntry>;
}

/** The same system, keeping what each call returned (writes are not kept: they hold the secrets). */
export function recording(sys: BootedSystemd): { sys: BootedSystemd; recorded: Recorded } {
  const recorded: Recorded = { texts: [], journal: new Map() };
  const wrapped: BootedSystemd = {
    get pid() {
      return sys.pid;
    },
    run: async (argv, opts) => {
      const r = await sys.run(argv, opts);
      recorded.texts.push(r.stdout, r.stderr);
      return r;
    },
    sh: async (script, input) => {
      const out = await sys.sh(script, input);
      recorded.texts.push(out);
      return out;
    },
    write: (path, content, mode) => sys.write(path, content, mode),
    journal: async (args) => {
      const entries = await sys.journal(args);
      for (const e of entries) recorded.journal.set(e["__CURSOR"] ?? JSON.stringify(e), e);
      return entries;
    },
    spawnInNet: (argv) => sys.spawnInNet(argv),
    stop: () => sys.stop(),
  };
  return { sys: wrapped, recorded };
}

/** The state, run (lock, events, push) directories of the package. */
const DIRS = ["/var/lib/ddns", "/run/ddns"];

/**
 * Everything of the booted system a test could have seen, read with `sys` unrecorded:
 * the recorded outputs, the whole journal, `ddns status` (as root), and every file
 * under the package's state and run directories (named, then its bytes).
 */
export async function systemSeen(sys: BootedSystemd, recorded: Recorded, extra: string[] = []): Promise<Seen> {
  const journal = new Map(recorded.journal);
  for (const e of await sys.journal([])) journal.set(e["__CURSOR"] ?? JSON.stringify(e), e);
  const status = await sys.run(["ddns", "status"]);
  const files = await sys.run(["sh", "-c", `find ${DIRS.join(" ")} -type f 2>/dev/null | while read -r f; do echo "== $f"; cat "$f"; echo; done`]);
  return {
    stdout: status.stdout,
    stderr: status.stderr,
    journal: [...journal.values()],
    texts: [...recorded.texts, files.stdout, files.stderr, ...extra],
  };
}
