import { joinPrefix } from "../ip-source/ipv6-host.js";
import type { Config } from "../config/types.js";
import type { Family } from "../ip-source/types.js";
import type { State } from "../state/types.js";
import type { Pushed } from "./pushes.js";
import { recordKey, type Action, type FamilyDetection, type Plan } from "./types.js";
import { verifyDue, type VerifySchedule } from "./verify.js";

export interface PlanInput {
  config: Config;
  detected: Record<Family, FamilyDetection>;
  state: State;
  /** epoch ms */
  now: number;
  /** Push although state says current (latches and backoffs still hold). */
  force: boolean;
  /** Addresses a router pushed this run for a record name: they win for that record. */
  pushed?: Pushed;
  /** Drift checks (issue 17): absent, none are planned (`--dry-run`, `--force`, tests of the rest). */
  verify?: VerifySchedule;
}

const DAY_MS = 86_400_000;

/**
 * Decides, per configured (record, family), whether to push. Pure: the same input
 * gives the same plan, and it touches nothing. The first address a family's winning
 * source found is the one published (DESIGN: "first usable address wins").
 */
export function plan(input: PlanInput): Plan {
  const { config, detected, state, now, force } = input;
  const actions: Action[] = [];
  let changesAt: number | undefined;
  const until = (t: number): void => {
    changesAt = changesAt === undefined ? t : Math.min(changesAt, t);
  };
  for (const record of config.records) {
    const entry = config.providers.get(record.provider);
    for (const family of record.families) {
      const key = recordKey(record.name, family);
      const base = { key, record, family };
      const rs = state.records[key];
      const fromPush = input.pushed?.get(record.name)?.[family];
      const det: FamilyDetection =
        fromPush !== undefined && detected[family].kind !== "disabled" ? { kind: "found", source: "event", addresses: fromPush } : detected[family];
      if (det.kind === "disabled") {
        actions.push({ kind: "noop", ...base, why: "disabled" });
        continue;
      }
      const fingerprint = entry?.fingerprint ?? "";
      const latchHolds = rs?.latched !== undefined && rs.latched.fingerprint === fingerprint;
      if (latchHolds) {
        actions.push({ kind: "latched", ...base, reason: rs.latched?.reason ?? "" });
        continue;
      }
      if (det.kind !== "found") {
        actions.push({ kind: "noop", ...base, why: "unavailable" });
        continue;
      }
      // ipv6_host: another device's address, this host's prefix joined with its identifier.
      const first =
        family === "ipv6" && record.ipv6Host !== undefined && det.addresses[0] !== undefined
          ? joinPrefix(det.addresses[0], record.ipv6Host, record.ipv6PrefixLength ?? 64)
          : det.addresses[0];
      if (first === undefined) {
        actions.push({ kind: "noop", ...base, why: "unavailable" });
        continue;
      }
      const addresses = [first];
      if (rs?.retryAt !== undefined && rs.retryAt > now && rs.latched === undefined) {
        actions.push({ kind: "wait", ...base, until: rs.retryAt });
        until(rs.retryAt);
        continue;
      }
      // The service answered other addresses than these (dyndns2 "good <other>"):
      // nothing is resent until the wanted addresses or the entry change.
      if (rs?.held !== undefined && rs.provider === record.provider && rs.held.fingerprint === fingerprint && sameSet(rs.held.addresses, addresses)) {
        actions.push({ kind: "noop", ...base, why: "held" });
        continue;
      }
      const previous = rs?.published ?? null;
      const account = state.accounts?.[record.provider];
      const push = (why: Extract<Action, { kind: "push" }>["why"]): void => {
        // A provider that asked the whole account to wait (Cloudflare 429) gets nothing before then.
        if (account !== undefined && account.retryAt > now) {
          actions.push({ kind: "wait", ...base, until: account.retryAt });
          until(account.retryAt);
          return;
        }
        actions.push({ kind: "push", ...base, addresses, previous, why });
      };
      if (rs === undefined || previous === null) push("first");
      else if (rs.latched !== undefined) push("unlatched");
      else if (!sameSet(previous, addresses)) push(rs.failures > 0 ? "retry" : "changed");
      // A record moved to another provider entry is pushed there. A change inside the
      // same entry (a rotated token, an edited file) is not a reason to push: the
      // entry's fingerprint only governs latches.
      else if (rs.provider !== record.provider) push("changed");
      else if (force) push("force");
      else if (entry !== undefined && entry.refreshDays > 0 && now - (rs.pushedAt ?? 0) >= entry.refreshDays * DAY_MS) push("refresh");
      else {
        const check = input.verify === undefined ? undefined : verifyDue(key, record, entry, rs, now, input.verify);
        if (check?.due === true) actions.push({ kind: "verify", ...base, published: [...previous], ...check.target, guardUntil: check.guardUntil });
        else {
          actions.push({ kind: "noop", ...base, why: "current" });
          // The idle seal ends when the check falls due: between checks a run stays free.
          if (check !== undefined) until(check.at);
        }
        if (entry !== undefined && entry.refreshDays > 0) until((rs.pushedAt ?? 0) + entry.refreshDays * DAY_MS);
      }
    }
  }
  const p: Plan = { actions, idle: actions.every((a) => a.kind !== "push" && a.kind !== "verify") };
  if (changesAt !== undefined) p.changesAt = changesAt;
  return p;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}
