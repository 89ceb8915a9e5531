import type { TtlRule } from "../provider/types.js";

/**
 * Why a configured `ttl` does not fit a provider type's documented rule (issue 14),
 * or undefined. The sentence names the rule and what to write instead, so that a
 * TTL the provider would refuse (or silently round) is a config error at
 * `ddns check`, not a record latched at run time.
 */
export function ttlProblem(rule: TtlRule, ttl: number, type: string): string | undefined {
  if (rule.fixed !== undefined) return `${type} takes no TTL: ${rule.fixed}; remove "ttl"`;
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
