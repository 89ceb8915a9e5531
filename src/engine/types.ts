import type { RecordConfig } from "../config/types.js";
import type { Detection, Family } from "../ip-source/types.js";
import type { DnsServer } from "../net/dns/exchange.js";

/** What detection produced for one family this run. */
export type FamilyDetection = Detection | { kind: "disabled" };

/** One decision of `plan()` for one (record, family). */
export type Action =
  | { kind: "noop"; key: string; record: RecordConfig; family: Family; why: "current" | "unavailable" | "disabled" | "held" }
  | { kind: "wait"; key: string; record: RecordConfig; family: Family; until: number }
  | { kind: "latched"; key: string; record: RecordConfig; family: Family; reason: string }
  /**
   * The record is current as far as state knows and its drift check is due (issue 17):
   * ask what is served (`via` the provider's read API or DNS, `server` for rfc2136)
   * and compare with `published`. `guardUntil`: before then a difference is our own
   * push still propagating, not drift.
   */
  | {
      kind: "verify";
      key: string;
      record: RecordConfig;
      family: Family;
      published: string[];
      via: "api" | "dns";
      server?: DnsServer;
      guardUntil: number;
    }
  | {
      kind: "push";
      key: string;
      record: RecordConfig;
      family: Family;
      addresses: string[];
      previous: string[] | null;
      /** "drift": a check found the provider serving `previous` instead of `addresses` (a repair). */
      why: "first" | "changed" | "refresh" | "force" | "unlatched" | "retry" | "drift";
    };

export interface Plan {
  actions: Action[];
  /** True when the run needs no network and no write (every action is noop/wait/latched; no push, no check). */
  idle: boolean;
  /**
   * The first instant at which the same inputs could plan otherwise by time alone (a
   * backoff ending, a refresh or a drift check falling due); undefined when no decision depends on time.
   */
  changesAt?: number;
}

export function recordKey(name: string, family: Family): string {
  return `${name}/${family}`;
}

/**
 * A record transition of one run, as the Notifier receives it: a record updated, a
 * failure starting (or its reason changing), a failure ending, a latch. Always one
 * record and one family: an IPv6 failure never speaks for the IPv4 record.
 */
export interface RunTransition {
  event: "updated" | "failed" | "recovered" | "latched";
  record: string;
  family: Family;
  provider?: string;
  old?: string;
  new?: string;
  /** The journal's sentence (no secret). */
  message: string;
  /** epoch ms */
  at: number;
}
