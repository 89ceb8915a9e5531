/**
 * Config warnings in the journal (issue 14): each is logged once, not on every run.
 *
 * A warning (a `ttl` on a protocol that carries none, say) is accepted config, so the
 * timer would otherwise repeat it every 15 minutes forever. The sentences last logged
 * are kept on the run directory (/run/ddns, tmpfs: the ToldWarnings collaborator),
 * not in the state: a run with nothing to do writes nothing under /var/lib/ddns, the
 * first after a config edit included (issue 12). A run logs only the warnings not
 * among them and keeps the current list, so a warning is logged again only after it
 * went away and came back, its line moved, or the machine rebooted. The idle seal
 * (state/idle-seal.ts) already keeps a quiet timer run from parsing the config at
 * all; this covers the runs that do parse it (events, a config edit, a push).
 */
import type { ConfigWarning } from "../config/types.js";
import type { Logger } from "../log/types.js";

/** Where the warnings already logged are kept between runs. */
export interface ToldWarnings {
  /** The sentences logged last; undefined when nothing is kept (first run after boot). */
  read(): readonly string[] | undefined;
  /** Keeps the current list; a failure to keep it only means a repeat later. */
  write(told: readonly string[]): void;
}

/** Logs the warnings not told before and keeps what is current. */
export function tellConfigWarnings(warnings: readonly ConfigWarning[] | undefined, logger: Logger, told: ToldWarnings | undefined): void {
  const before = told?.read() ?? [];
  const said = new Set(before);
  for (const w of warnings ?? []) {
    if (said.has(w.text)) continue;
    logger.transition({
      kind: "config-warning",
      priority: 4,
      message: w.text,
      ...(w.record !== undefined ? { record: w.record } : {}),
    });
  }
  const now = (warnings ?? []).map((w) => w.text);
  if (told === undefined || sameList(now, before)) return;
  try {
    told.write(now);
  } catch {
    // The run directory is not writable: the warning is told again next run.
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
