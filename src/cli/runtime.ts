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
  /**
   * A stable identity of this host (/etc/machine-id; the host name when there is
   * none), read on first call: the phase of its drift checks (issue 17).
   */
  hostId(): string;
  /** The system's resolvers (/etc/resolv.conf nameserver lines), read on first call. */
  systemResolvers(): string[];
  /** The port zones' authoritative servers are asked on: 53 (DDNS_AUTHORITATIVE_PORT, for tests only). */
  authoritativePort: number;
  /** The unit that started this process ($TRIGGER_UNIT, set by systemd for path and timer activations). */
  trigger: string | undefined;
  /** Sockets systemd passed (LISTEN_FDS, when LISTEN_PID is this process), else 0. */
  listenFds?: number;
  /** stdin is a terminal (`ddns setup` asks questions only then). */
  interactive?: boolean;
}

export interface GlobalOptions {
  config: string;
  stateDir: string;
  eventsDir: string;
  dryRun: boolean;
}

export interface RunOptions extends GlobalOptions {
  force: boolean;
  /** `--verify`: check every record at its provider now and repair confirmed drift. */
  verify?: boolean;
}

/** Exit statuses fixed by the design. */
export const EXIT = { ok: 0, bug: 1, usage: 2, transient: 75, permanent: 77, config: 78 } as const;
