import { MESSAGE_IDS } from "./message-ids.js";
import { loadAddon, type JournalSend } from "./native.js";
import type { Logger, Transition } from "./types.js";

/**
 * Options of the journal logger. `addon` loads the journald addon or returns
 * undefined (tests inject one, or force the fallback).
 */
export interface JournalOptions {
  addon?: () => JournalSend | undefined;
}

/**
 * One journal entry per transition (DESIGN.md "Journal"), for a process whose stderr
 * is the journal (JOURNAL_STREAM matches it).
 *
 * With the native addon `systemd-journald` (the Debian package ships it), the ddns
 * process itself sends a structured entry: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=ddns,
 * MESSAGE_ID and the DDNS_RECORD, DDNS_FAMILY, DDNS_PROVIDER, DDNS_OLD, DDNS_NEW
 * fields. journald names the unit (_SYSTEMD_UNIT) from the sender's /proc entry, and
 * the sender is still running.
 *
 * Without it, a "<N>"-prefixed line on stderr: journald files it with priority N
 * (SyslogLevelPrefix=, on by default) and attributes the stream to the unit when it
 * is connected, so `journalctl -u ddns.service` shows every transition exactly
 * once; the structured fields are lost. (The earlier fallback, a `logger --journald`
 * child per entry, kept the fields but lost the unit: journald reads the sender's
 * /proc entry after the datagram arrives, and logger had often exited by then — 1 to
 * 4 of 10 entries missing from `journalctl -u` in a real systemd.) Nothing is loaded
 * until the first entry: a no-op run pays nothing for logging.
 */
export function createJournalLogger(stderr: (line: string) => void, opts: JournalOptions = {}): Logger {
  const load = opts.addon ?? (() => loadAddon("systemd-journald"));
  let addon: JournalSend | null | undefined;

  const stream = (priority: number, message: string): void => stderr(`<${priority}>${oneLine(message)}`);

  function send(priority: number, message: string, fields: Record<string, string>): void {
    if (addon === undefined) addon = load() ?? null;
    if (addon !== null) {
      const iov = [`MESSAGE=${message}`, "SYSLOG_IDENTIFIER=ddns"];
      for (const [k, v] of Object.entries(fields)) iov.push(`${k}=${v}`);
      try {
        // sd_journal_sendv returns -errno (journal socket unreachable): the stream then.
        if (addon.send(priority, ...iov) >= 0) return;
      } catch {
        // A throwing addon is as good as none.
      }
    }
    stream(priority, message);
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
      // Both ways write synchronously: nothing is pending.
    },
  };
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}
