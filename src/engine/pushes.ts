import type { Config } from "../config/types.js";
import { familyOf, screen } from "../ip-source/sanity.js";
import type { EventRecord, Family } from "../ip-source/types.js";
import { FAMILIES } from "../ip-source/types.js";
import type { State } from "../state/types.js";

/** Addresses a router pushed for one record name this run, per family. */
export type Pushed = Map<string, Partial<Record<Family, string[]>>>;

export interface PushIntake {
  pushed: Pushed;
  /** Sentences for the operator: pushes refused here (name not allowed, bad address). */
  refused: string[];
  /** The state's `pushes` after this run's pushes (for `ddns status`). */
  seen: State["pushes"];
}

/**
 * Turns this run's push events (SOURCE=push, written by ddns-push@.service) into
 * per-name addresses. A push sets only the record it names, and only a name listed
 * in `[push] names`; its addresses pass the same sanity checks as any event address.
 * The newest push per name wins. A name with no push this run keeps the address it
 * was last pushed (kept in state): the router is the authority for that name, and a
 * run that failed to publish it retries with it instead of losing it.
 */
export function intakePushes(events: readonly EventRecord[], config: Config, previous: State["pushes"]): PushIntake {
  const allowed = new Set(config.push?.names ?? []);
  const newest = new Map<string, EventRecord>();
  const refused: string[] = [];
  for (const e of events) {
    if (e.source !== "push") continue;
    const name = e.name;
    if (name === undefined || !allowed.has(name)) {
      refused.push(`a push for ${name ?? "no name"} was ignored: it is not listed in [push] names`);
      continue;
    }
    const prev = newest.get(name);
    if (!prev || (e.time ?? -1) >= (prev.time ?? -1)) newest.set(name, e);
  }
  const pushed: Pushed = new Map();
  const seen: NonNullable<State["pushes"]> = {};
  // Keep only entries for names still allowed: bounded by the config.
  for (const [k, v] of Object.entries(previous ?? {})) {
    if (!allowed.has(k)) continue;
    seen[k] = v;
    const per: Partial<Record<Family, string[]>> = {};
    for (const a of v.address.split(" ")) {
      const f = familyOf(a);
      if (f !== null) (per[f] ??= []).push(a);
    }
    if (per.ipv4 !== undefined || per.ipv6 !== undefined) pushed.set(k, per);
  }
  for (const [name, e] of newest) {
    const per: Partial<Record<Family, string[]>> = {};
    for (const family of FAMILIES) {
      const { accepted, refused: bad } = screen(e[family], family, { acceptPrivate: config.families[family].acceptPrivate, check: true });
      if (accepted.length > 0) per[family] = accepted;
      if (bad.length > 0) refused.push(`a push for ${name} carried unusable ${family} addresses: ${bad.join(", ")}`);
    }
    if (per.ipv4 === undefined && per.ipv6 === undefined) continue;
    // A push carries the families it carries: the other family keeps its last push.
    const kept = pushed.get(name) ?? {};
    const merged: Partial<Record<Family, string[]>> = { ...kept, ...per };
    pushed.set(name, merged);
    const address = [...(merged.ipv4 ?? []), ...(merged.ipv6 ?? [])].join(" ");
    // The time moves only when the address does: a router repeating itself rewrites nothing.
    if (seen[name]?.address !== address) seen[name] = { address, at: (e.time ?? 0) * 1000, ...(e.from !== undefined ? { from: e.from } : {}) };
  }
  return { pushed, refused, seen: Object.keys(seen).length > 0 ? seen : undefined };
}
