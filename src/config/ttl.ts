import type { TtlRule } from "../provider/types.js";

/**
 * What a configured `ttl` is worth against a provider type's documented rule (issue 14).
 *
 * - `error`: the provider would refuse or silently round it; a config error at
 *   `ddns check`, not a record latched at run time. The sentence names the rule.
 * - `ignored`: the protocol carries no TTL at all (dyndns2 presets, dynv6, Duck DNS,
 *   FreeDNS, Namecheap). Such a ttl was accepted and ignored before, and configs that
 *   worked must keep working after an upgrade: a warning, never an error.
 */
export type TtlVerdict = { kind: "error"; message: string } | { kind: "ignored"; message: string };

export function ttlVerdict(rule: TtlRule, ttl: number, type: string): TtlVerdict | undefined {
  if (rule.fixed !== undefined) return { kind: "ignored", message: `${type} takes no TTL: ${rule.fixed}; this ttl is ignored (remove "ttl" to silence this warning)` };
  const message = ttlProblem(rule, ttl, type);
  return message === undefined ? undefined : { kind: "error", message };
}

/** Why a ttl is outside a rule that takes one (range or values), or undefined. */
export function ttlProblem(rule: TtlRule, ttl: number, type: string): string | undefined {
  if (rule.fixed !== undefined) return undefined;
  if (rule.values !== undefined) {
    if (rule.values.includes(ttl)) return undefined;
    const up = rule.values.find((v) => v > ttl);
    return `${type} takes only the TTLs ${rule.values.join(", ")}${up !== undefined ? ` (it would round ${ttl} up to ${up})` : ""}: use one of them`;
  }
  if (rule.also?.includes(ttl) === true) return undefined;
  const min = rule.min ?? 1;
  const max = rule.max ?? 86400;
  if (ttl >= min && ttl <= max) return undefined;
  const also = rule.also !== undefined && rule.also.length > 0 ? ` or ${rule.also.join(", ")}` : "";
  return `${type} takes a TTL from ${min} to ${max}${also}, not ${ttl}`;
}
