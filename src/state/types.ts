import type { GatewayMemo, NatNote } from "../ip-source/types.js";
import type { ProviderCache } from "../provider/types.js";

/**
 * The last known state, kept as versioned JSON in `$STATE_DIRECTORY/state.json`.
 * Bounded: one entry per configured (record, family); entries of records no longer
 * configured are dropped on the next save. No history is kept.
 */
export const STATE_VERSION = 1;

export interface RecordState {
  /** Provider entry name it was pushed through. */
  provider: string;
  /** Addresses the provider confirmed last (null: never confirmed). */
  published: string[] | null;
  /** epoch ms of the last successful push or confirmation (for forced refresh). */
  pushedAt?: number;
  /** epoch ms when `published` last changed. */
  changedAt?: number;
  /** Consecutive transient failures (drives the backoff). */
  failures: number;
  /** epoch ms before which no request is made for this record. */
  retryAt?: number;
  /** Last failure sentence (no secret). */
  lastError?: string;
  /** Permanent refusal: no request until the provider entry's fingerprint changes. */
  latched?: { reason: string; at: number; fingerprint: string };
  /**
   * The service answered with other addresses than sent (PushOutcome "held"): no
   * request until the wanted addresses or the entry's fingerprint differ from these.
   */
  held?: { addresses: string[]; answered: string[]; reason: string; at: number; fingerprint: string };
  cache?: ProviderCache;
  /** The last drift check of this record (issue 17; `ddns status` shows it). */
  verify?: VerifyState;
}

/** The outcome of one drift check (src/verify/, engine/verify.ts). */
export interface VerifyState {
  /** epoch ms of the check */
  at: number;
  result: "in-sync" | "drifted" | "unknown" | "propagating";
  /** "api" (the provider's read API) or "dns" (the zone's authoritative servers). */
  via: "api" | "dns";
  /** For drifted: what was served ("" for no record); for unknown/propagating: why. */
  detail?: string;
}

/** A provider entry (account) that asked every request to wait (Cloudflare 429). */
export interface AccountState {
  /** epoch ms before which no request goes to this provider entry. */
  retryAt: number;
  reason: string;
}

export interface PushSeen {
  address: string;
  at: number;
  from?: string;
}

/**
 * What started the last run that pushed (issue 18, for `ddns status`): an idle run
 * writes nothing, so this is the last run that changed something.
 */
export interface LastRun {
  at: number;
  cause: RunCause;
  /** The event files that run read, at most four: "eth0 (networkmanager up)". */
  events?: string[];
}

/** "event" (a network hook), "push" (a router), "config" (ddns.path on a config edit), "timer", "manual". */
export type RunCause = "event" | "push" | "config" | "timer" | "manual";

export interface State {
  version: typeof STATE_VERSION;
  lastRun?: LastRun;
  /** Keyed "<name>/<family>". */
  records: Record<string, RecordState>;
  /** Last push received per name (issue 8), bounded by the configured push names. */
  pushes?: Record<string, PushSeen>;
  /** Per provider entry name: a wait the provider asked of the whole account. */
  accounts?: Record<string, AccountState>;
  /** The gateway source's memo: which router, protocol and UPnP control URL answered. */
  gateway?: GatewayMemo;
  /** The router reported a non-public WAN address (CGNAT, double NAT): said once, kept until it ends. */
  nat?: NatNote;
}

export type LoadResult =
  | { kind: "ok"; state: State }
  | { kind: "missing"; state: State }
  /** The file did not parse or validate; it was renamed to `setAside`. */
  | { kind: "corrupt"; state: State; setAside: string; reason: string };

/**
 * Contract: `load` never throws for a bad file (it sets it aside and returns an
 * empty state); `save` writes atomically (temp, fsync, rename) and throws
 * DdnsError("STATE_UNWRITABLE") leaving the previous file intact. The directory is not
 * fsynced: a power cut within the file system's commit interval may bring back the
 * previous (whole) file, which costs one repeated request per pushed record.
 * `durable: false` (the pre-push intent) skips the fsync too: the file is whole for
 * any later process (temp + rename), only a power cut may lose it, and the final
 * save follows.
 */
export interface StateStore {
  readonly path: string;
  load(): Promise<LoadResult>;
  save(state: State, opts?: { durable?: boolean }): Promise<void>;
}
