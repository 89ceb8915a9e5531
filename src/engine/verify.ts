/**
 * Drift checks in the engine (issue 17): when a record's check falls due (pure), and
 * what a check's answer means for the record (pure). The checks themselves are asked
 * through a Verifier (src/verify/) that reconcile.ts is handed.
 *
 * "Confirmed means confirmed": a record is repaired only when what is served differs
 * from what state says was published, outside the window in which our own last push
 * may still be propagating (max(record TTL, 10 min)), and with every authoritative
 * server that answered agreeing. Anything less is "propagating" or "unknown", and
 * changes nothing but the record's last check in state.
 */
import type { ProviderEntry, RecordConfig } from "../config/types.js";
import type { Served, VerifyTarget } from "../verify/types.js";
import { PROPAGATION_FLOOR_MS } from "../verify/types.js";
import { verifyVia } from "../verify/methods.js";
import { nextSlot } from "../verify/schedule.js";
import type { RecordState, State, VerifyState } from "../state/types.js";
import type { Action } from "./types.js";

/** What the plan needs to schedule checks: the host's phase of a record, and `--verify`. */
export interface VerifySchedule {
  /** ms into each interval at which this host checks `key` (src/verify/schedule.ts verifyPhase). */
  phase(key: string, intervalMs: number): number;
  /** `ddns run --verify`: every record is checked now. */
  all: boolean;
}

export type VerifyAction = Extract<Action, { kind: "verify" }>;
export type PushAction = Extract<Action, { kind: "push" }>;

/** Until when our own last push of a record may still be propagating. */
export function propagatingUntil(record: RecordConfig, rs: RecordState): number {
  return (rs.pushedAt ?? 0) + Math.max((record.ttl ?? 0) * 1000, PROPAGATION_FLOOR_MS);
}

/**
 * When `record`'s check is due: the host's next slot after the last check (or the
 * last push), never inside the propagation window. Undefined: the record is not
 * checked (verify = "off").
 */
export function verifyDue(
  key: string,
  record: RecordConfig,
  entry: ProviderEntry | undefined,
  rs: RecordState,
  now: number,
  s: VerifySchedule,
): { due: boolean; at: number; target: Omit<VerifyTarget, "key" | "name" | "family" | "provider">; guardUntil: number } | undefined {
  const how = verifyVia(record, entry);
  if (how.via === "off") return undefined;
  const interval = record.verifyIntervalS * 1000;
  const guardUntil = propagatingUntil(record, rs);
  const last = rs.verify?.at ?? rs.pushedAt ?? 0;
  const at = Math.max(nextSlot(last, s.phase(key, interval), interval), guardUntil);
  const target: Omit<VerifyTarget, "key" | "name" | "family" | "provider"> = { via: how.via };
  if (how.via === "dns" && how.server !== undefined) target.server = how.server;
  return { due: s.all || now >= at, at, target, guardUntil };
}

export function targetOf(a: VerifyAction, state: State): VerifyTarget {
  const rs = state.records[a.key];
  const t: VerifyTarget = { key: a.key, name: a.record.name, family: a.family, provider: a.record.provider, via: a.via };
  if (a.server !== undefined) t.server = a.server;
  if (rs?.cache !== undefined && rs.provider === a.record.provider) t.cache = rs.cache;
  return t;
}

/** The meaning of one answer. */
export type Verdict =
  | { kind: "in-sync" }
  | { kind: "drifted"; served: string[] }
  | { kind: "propagating"; reason: string }
  | { kind: "unknown"; reason: string };

export function judge(published: readonly string[], served: Served, now: number, guardUntil: number): Verdict {
  if (served.kind === "unknown") return { kind: "unknown", reason: served.reason };
  if (served.kind === "propagating") return { kind: "propagating", reason: served.reason };
  if (sameSet(published, served.addresses)) return { kind: "in-sync" };
  if (now < guardUntil) {
    return { kind: "propagating", reason: `serves ${served.addresses.join(" ") || "no record"} within ${Math.round((guardUntil - now) / 60_000)} min of our own push: still propagating` };
  }
  return { kind: "drifted", served: [...served.addresses] };
}

/**
 * Applies the answers of this run's checks to state (the record's last check; an API
 * read's refreshed cache) and turns every confirmed drift into one repair push of
 * what state says is published, with `previous` = what was served.
 */
export function applyChecks(
  checks: readonly VerifyAction[],
  answers: ReadonlyMap<string, Served>,
  state: State,
  now: number,
): { state: State; repairs: PushAction[]; verdicts: Map<string, Verdict> } {
  const records = { ...state.records };
  const repairs: PushAction[] = [];
  const verdicts = new Map<string, Verdict>();
  for (const a of checks) {
    const rs = records[a.key];
    if (rs === undefined) continue;
    const served: Served = answers.get(a.key) ?? { kind: "unknown", via: a.via, reason: `no answer for ${a.record.name}` };
    const v = judge(a.published, served, now, a.guardUntil);
    verdicts.set(a.key, v);
    const verify: VerifyState = { at: now, result: v.kind, via: a.via };
    if (v.kind === "drifted") verify.detail = v.served.join(" ");
    else if (v.kind === "unknown" || v.kind === "propagating") verify.detail = v.reason;
    const next: RecordState = { ...rs, verify };
    if (served.kind === "served" && served.cache !== undefined) next.cache = served.cache;
    records[a.key] = next;
    if (v.kind === "drifted") {
      repairs.push({ kind: "push", key: a.key, record: a.record, family: a.family, addresses: [...a.published], previous: v.served, why: "drift" });
    }
  }
  return { state: { ...state, records }, repairs, verdicts };
}

/** Address sets equal, IPv6 spellings compared canonically. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a.map(canonical));
  const y = new Set(b.map(canonical));
  return x.size === y.size && [...x].every((v) => y.has(v));
}

function canonical(address: string): string {
  const t = address.trim();
  if (!t.includes(":")) return t;
  try {
    return new URL(`http://[${t}]/`).hostname.slice(1, -1);
  } catch {
    return t.toLowerCase();
  }
}
