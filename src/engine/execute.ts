import type { Config, ProviderEntry } from "../config/types.js";
import type { Logger, Transition } from "../log/types.js";
import type { DnsProvider, PushOutcome, RecordUpdate } from "../provider/types.js";
import type { RecordState, State } from "../state/types.js";
import { retryAt } from "./backoff.js";
import { recordKey, type Action, type Plan } from "./types.js";

type PushAction = Extract<Action, { kind: "push" }>;

export interface ExecuteDeps {
  config: Config;
  now(): number;
  random(): number;
  /** Builds (lazily loads) the provider of one entry. */
  provider(entry: ProviderEntry): Promise<DnsProvider>;
  logger: Logger;
  signal: AbortSignal;
}

export interface ExecuteResult {
  state: State;
  /** Worst outcome of this run: "permanent" > "transient" > "ok". */
  outcome: "ok" | "transient" | "permanent";
  pushed: number;
}

/**
 * Carries out the push actions of a plan: one `push()` call per provider entry
 * with every update due for it, then one state change and at most one journal
 * transition per (record, family). Never mutates `state`; returns the next one.
 */
export async function execute(plan: Plan, state: State, deps: ExecuteDeps): Promise<ExecuteResult> {
  const next: State = { ...state, records: { ...state.records } };
  let outcome: ExecuteResult["outcome"] = "ok";
  const groups = new Map<string, PushAction[]>();
  for (const a of plan.actions) {
    if (a.kind !== "push") continue;
    const g = groups.get(a.record.provider) ?? [];
    g.push(a);
    groups.set(a.record.provider, g);
  }
  let pushed = 0;
  for (const [providerName, actions] of groups) {
    const entry = deps.config.providers.get(providerName);
    if (entry === undefined) continue; // config validation makes this impossible
    const due = new Set(actions.map((a) => a.key));
    const updates: RecordUpdate[] = actions.map((a) => {
      const cache = state.records[a.key]?.provider === providerName ? state.records[a.key]?.cache : undefined;
      const u: RecordUpdate = {
        key: a.key,
        name: a.record.name,
        family: a.family,
        addresses: a.addresses,
        previous: a.previous,
        ...(a.record.ttl !== undefined ? { ttl: a.record.ttl } : {}),
        ...(cache !== undefined ? { cache } : {}),
      };
      // The other family of the name, when configured but not due: what is published there,
      // so that services which delete or refill an omitted family can be sent it (dyndns2).
      const other = a.family === "ipv4" ? "ipv6" : "ipv4";
      const otherKey = recordKey(a.record.name, other);
      if (a.record.families.includes(other) && !due.has(otherKey)) {
        const rs = state.records[otherKey];
        u.sibling = { family: other, addresses: rs?.provider === providerName ? (rs.published ?? null) : null };
      }
      return u;
    });
    const provider = await deps.provider(entry);
    const results = await provider.push(updates, deps.signal);
    pushed += updates.length;
    for (const r of results.values()) {
      // One wait for the whole account (Cloudflare 429): kept in state for every record of the entry.
      if (r.kind === "transient" && r.account === true && r.retryAfterMs !== undefined) {
        const at = deps.now() + r.retryAfterMs;
        const accounts = { ...(next.accounts ?? {}) };
        if ((accounts[providerName]?.retryAt ?? 0) < at) accounts[providerName] = { retryAt: at, reason: r.reason };
        next.accounts = accounts;
      }
    }
    for (const a of actions) {
      const result: PushOutcome = results.get(a.key) ?? {
        kind: "transient",
        reason: `the ${entry.type} provider gave no answer for ${a.record.name}`,
      };
      const now = deps.now();
      const { record, transition } = apply(a, entry, state.records[a.key], result, now, deps.random);
      next.records[a.key] = record;
      if (transition !== undefined) deps.logger.transition(transition);
      if (result.kind === "permanent") outcome = "permanent";
      else if (result.kind === "transient" && outcome === "ok") outcome = "transient";
    }
  }
  return { state: next, outcome, pushed };
}

function apply(
  a: PushAction,
  entry: ProviderEntry,
  prev: RecordState | undefined,
  result: PushOutcome,
  now: number,
  random: () => number,
): { record: RecordState; transition?: Transition } {
  const who = `${a.record.name} (${a.family})`;
  const via = `provider "${entry.name}" (${entry.type})`;
  const fields = { record: a.record.name, family: a.family, provider: entry.name };
  const newAddr = a.addresses.join(" ");
  const oldAddr = a.previous?.join(" ") ?? "";
  const base: RecordState = { provider: entry.name, published: prev?.provider === entry.name ? (prev.published ?? null) : null, failures: 0 };
  if (prev?.pushedAt !== undefined) base.pushedAt = prev.pushedAt;
  if (prev?.changedAt !== undefined) base.changedAt = prev.changedAt;
  // The last drift check stays for `ddns status` (a push does not answer it).
  if (prev?.verify !== undefined && prev.provider === entry.name) base.verify = prev.verify;
  const cache = "cache" in result && result.cache !== undefined ? result.cache : prev?.provider === entry.name ? prev.cache : undefined;
  if (cache !== undefined) base.cache = cache;

  switch (result.kind) {
    case "held": {
      // Recorded, warned once, and not resent until the inputs change (plan.ts).
      const answered = result.answered.join(" ");
      const record: RecordState = {
        ...base,
        published: result.answered.length > 0 ? [...result.answered] : base.published,
        pushedAt: now,
        failures: 0,
        lastError: result.reason,
        held: { addresses: [...a.addresses], answered: [...result.answered], reason: result.reason, at: now, fingerprint: entry.fingerprint },
      };
      const transition: Transition = {
        kind: "push-failed",
        priority: 4,
        message: `${via} answered ${answered || "another address"} for ${who}, not ${newAddr}: ${result.reason}. Not sent again until the address or the provider config changes.`,
        ...fields,
        old: oldAddr,
        new: answered,
      };
      return { record, transition };
    }
    case "updated":
    case "unchanged": {
      if (a.why === "drift") {
        // A repair (issue 17): what we had published is back; `previous` is what the provider served instead.
        const served = a.previous?.join(" ") ?? "";
        const record: RecordState = { ...base, published: [...a.addresses], pushedAt: now, failures: 0 };
        return {
          record,
          transition: {
            kind: "record-repaired",
            priority: 4,
            message: `${who} had drifted at ${via}: it served ${served || "no record"} instead of ${newAddr}; ${newAddr} was put back`,
            ...fields,
            old: served,
            new: newAddr,
          },
        };
      }
      const changed = a.previous === null || a.previous.join(" ") !== newAddr;
      const record: RecordState = { ...base, published: [...a.addresses], pushedAt: now, failures: 0 };
      if (changed) record.changedAt = now;
      const wasFailing = (prev?.failures ?? 0) > 0 || prev?.latched !== undefined;
      let transition: Transition | undefined;
      if (changed) {
        const how = result.kind === "unchanged" ? "already pointed to" : "now points to";
        transition = {
          kind: "record-updated",
          priority: 5,
          message: `${who} ${how} ${newAddr}${oldAddr ? ` (was ${oldAddr})` : ""} via ${via}`,
          ...fields,
          old: oldAddr,
          new: newAddr,
        };
      } else if (wasFailing) {
        transition = { kind: "record-recovered", priority: 5, message: `${who} is current again via ${via}: ${newAddr}`, ...fields, new: newAddr };
      } else if (a.why === "refresh" || a.why === "force") {
        const what = a.why === "refresh" ? "refreshed (periodic refresh" : "pushed again (--force";
        transition = { kind: "record-refreshed", priority: 6, message: `${who} ${what}, unchanged ${newAddr}) via ${via}`, ...fields, new: newAddr };
      }
      return transition === undefined ? { record } : { record, transition };
    }
    case "transient": {
      const failures = (prev?.failures ?? 0) + 1;
      const when = retryAt(failures, now, random, result.retryAfterMs);
      const record: RecordState = { ...base, failures, retryAt: when, lastError: result.reason };
      // One line when a record starts failing or fails differently; not per retry.
      const transition: Transition | undefined =
        prev?.failures && prev.lastError === result.reason
          ? undefined
          : {
              kind: "push-failed",
              priority: 4,
              message: `could not update ${who} via ${via}: ${result.reason}; next try after ${new Date(when).toISOString()}`,
              ...fields,
              old: oldAddr,
              new: newAddr,
            };
      return transition === undefined ? { record } : { record, transition };
    }
    case "permanent": {
      const record: RecordState = {
        ...base,
        failures: 0,
        lastError: result.reason,
        latched: { reason: result.reason, at: now, fingerprint: entry.fingerprint },
      };
      return {
        record,
        transition: {
          kind: "record-latched",
          priority: 3,
          message: `${via} refused ${who}: ${result.reason}. No more updates for it until its provider config changes.`,
          ...fields,
          old: oldAddr,
          new: newAddr,
        },
      };
    }
  }
}
