/**
 * Everything a command may take from the outside world, built once by src/main.ts
 * (the only place that reads process.env and argv). Commands get this, not globals.
 */
export interface Runtime {
  version: string;
  userAgent: string;
  now(): number;
  random(): number;
  pid: number;
  uid: number;
  /** Directory of `*_credential` secrets ($CREDENTIALS_DIRECTORY). */
  credentialsDir: string | undefined;
  /** stderr is the journal (JOURNAL_STREAM matches). */
  journal: boolean;
  /** $NOTIFY_SOCKET is set: send STATUS= lines. */
  notify: boolean;
  out(line: string): void;
  err(line: string): void;
  /** /proc/net/if_inet6 (overridable for tests through DDNS_PROC_IF_INET6). */
  procIfInet6: string;
}

export interface GlobalOptions {
  config: string;
  stateDir: string;
  eventsDir: string;
  dryRun: boolean;
}

export interface RunOptions extends GlobalOptions {
  force: boolean;
}

/** Exit statuses fixed by the design. */
export const EXIT = { ok: 0, bug: 1, usage: 2, transient: 75, permanent: 77, config: 78 } as const;
