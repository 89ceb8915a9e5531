/**
 * When a record's drift check falls due. Every host checks each record once per
 * interval, at a fixed phase of its own: the phase comes from a stable identity of the
 * host (/etc/machine-id, read by the composition root and handed in) hashed with the
 * record's key, so a fleet that shares a config spreads its checks over the whole
 * interval instead of asking the provider in the same minute, and one host's records
 * do not all come due in the same run either. The hash is FNV-1a (32 bits): cheap,
 * no node:crypto on the run's path, and evenly spread enough for a schedule.
 */

/** The phase (ms into each interval) of `key` on the host `hostId`. */
export function verifyPhase(hostId: string, key: string, intervalMs: number): number {
  let h = 0x811c9dc5;
  const text = `${hostId}\u0000${key}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Spread the 32-bit hash over the interval (not `h % interval`, which favours low values).
  return Math.floor((h / 0x1_0000_0000) * intervalMs);
}

/** The first instant after `last` that is `phase` ms into an interval (counted from the epoch). */
export function nextSlot(last: number, phase: number, intervalMs: number): number {
  const k = Math.floor((last - phase) / intervalMs) + 1;
  return k * intervalMs + phase;
}
