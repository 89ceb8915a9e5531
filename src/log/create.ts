import { fstatSync } from "node:fs";
import { createJournalLogger } from "./journal.js";
import { writeLine } from "./write-line.js";
import { createTerminalLogger } from "./terminal.js";
import type { Logger, Transition } from "./types.js";

/**
 * True when stderr is connected to the journal: systemd sets JOURNAL_STREAM to
 * "<device>:<inode>" of the stream it gave the service (sd_journal_stream_fd(3)).
 */
export function stderrIsJournal(journalStream: string | undefined): boolean {
  if (!journalStream) return false;
  const [dev, ino] = journalStream.split(":");
  try {
    const st = fstatSync(2);
    return String(st.dev) === dev && String(st.ino) === ino;
  } catch {
    return false;
  }
}

/**
 * The logger for this process, with every configured secret replaced by "[secret]"
 * in whatever it writes: providers already keep secrets out of their sentences, and
 * this is the second lock on that door.
 */
export function createLogger(opts: { journal: boolean; secrets: readonly string[] }): Logger {
  const redact = redactor(opts.secrets);
  const out = (line: string): void => writeLine(1, redact(line));
  const err = (line: string): void => writeLine(2, redact(line));
  const inner = opts.journal ? createJournalLogger(err) : createTerminalLogger(out, err);
  return {
    transition(t: Transition) {
      const clean: Transition = { ...t, message: redact(t.message) };
      inner.transition(clean);
    },
    warn(message: string) {
      inner.warn(redact(message));
    },
    close: () => inner.close(),
  };
}

export function redactor(secrets: readonly string[]): (s: string) => string {
  const list = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (list.length === 0) return (s) => s;
  return (s) => {
    let out = s;
    for (const secret of list) out = out.split(secret).join("[secret]");
    return out;
  };
}
