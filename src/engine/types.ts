import type { RecordConfig } from "../config/types.js";
import type { Detection, Family } from "../ip-source/types.js";

/** What detection produced for one family this run. */
export type FamilyDetection = Detection | { kind: "disabled" };

/** One decision of `plan()` for one (record, family). */
export type Action =
  | { kind: "noop"; key: string; record: RecordConfig; family: Family; why: "current" | "unavailable" | "disabled" | "held" }
  | { kind: "wait"; key: string; record: RecordConfig; family: Family; until: number }
  | { kind: "latched"; key: string; record: RecordConfig; family: Family; reason: string }
  | {
      kind: "push";
      key: string;
      record: RecordConfig;
      family: Family;
      addresses: string[];
      previous: string[] | null;
      why: "first" | "changed" | "refresh" | "force" | "unlatched" | "retry";
    };

export interface Plan {
  actions: Action[];
  /** True when the run needs no network and no write (every action is noop/wait/latched). */
  idle: boolean;
  /**
   * The first instant at which the same inputs could plan otherwise by time alone (a
   * backoff ending, a refresh falling due); undefined when no decision depends on time.
   */
  changesAt?: number;
}

export function recordKey(name: string, family: Family): string {
  return `${name}/${family}`;
}
