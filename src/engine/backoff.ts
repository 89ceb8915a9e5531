/**
 * When to try again after `failures` consecutive transient failures: exponential
 * from 1 minute, doubling, capped at 6 hours, with ±20% jitter so that many hosts
 * failing together do not retry together. A provider's own `retryAfterMs`
 * (429 Retry-After, dyndns2 911) is a floor, never shortened, but itself capped at
 * one day: a hostile or broken Retry-After cannot silence a record for longer.
 */
export const RETRY_AFTER_CAP_MS = 24 * 3600_000;
export const BACKOFF_BASE_MS = 60_000;
export const BACKOFF_CAP_MS = 6 * 3600_000;

export function retryAt(failures: number, now: number, random: () => number, retryAfterMs?: number): number {
  const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(failures - 1, 20)));
  const jittered = exp * (0.8 + 0.4 * random());
  return now + Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, RETRY_AFTER_CAP_MS)));
}
