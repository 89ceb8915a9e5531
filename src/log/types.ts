import type { Family } from "../ip-source/types.js";

/**
 * Kinds of transition. Each has one MESSAGE_ID (log/message-ids.ts) and an entry in
 * the journal catalog (packaging/ddns.catalog). One journal line per transition,
 * never per steady state.
 */
export type TransitionKind =
  | "record-updated" // published addresses changed
  | "record-refreshed" // periodic refresh (no change) sent
  | "push-failed" // transient failure, backing off
  | "record-latched" // permanent refusal
  | "record-recovered" // success after failures or after a latch cleared
  | "state-reset" // corrupt state set aside
  | "event-refused" // an event file refused
  | "push-received" // a router pushed an address (issue 8)
  | "record-repaired" // a drift check found the provider serving other addresses; ours were put back (issue 17)
  | "behind-nat" // the router's own WAN address is not public (CGNAT, double NAT) (issue 16)
  | "nat-cleared" // the router has a public WAN address again (issue 16)
  | "config-warning"; // the config holds something accepted but ignored (issue 14), logged once

export interface Transition {
  kind: TransitionKind;
  /** The sentence an operator reads. No secret. */
  message: string;
  /** syslog priority: 3 err, 4 warning, 5 notice, 6 info */
  priority: 3 | 4 | 5 | 6;
  record?: string;
  family?: Family;
  provider?: string;
  old?: string;
  new?: string;
}

/**
 * Where transitions and warnings go: the journal (structured) under systemd, plain
 * sentences on a terminal. Implementations must not keep unbounded buffers.
 */
export interface Logger {
  transition(t: Transition): void;
  /** A problem that is not a record transition (bad event file, config warning). */
  warn(message: string): void;
  /** Flush anything pending (a child `logger` process, say) before exit. */
  close(): Promise<void>;
}
