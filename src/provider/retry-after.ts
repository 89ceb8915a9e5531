/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3: delay-seconds or an
 * HTTP-date) into milliseconds from `nowMs`. Undefined when absent or unreadable;
 * a date in the past gives 0. Capped at one day so a hostile value cannot park a
 * record for ever.
 */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  let ms: number;
  if (/^\d+$/.test(v)) {
    ms = Number(v) * 1000;
  } else {
    const at = Date.parse(v);
    if (Number.isNaN(at) || !/[A-Za-z]/.test(v)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}
