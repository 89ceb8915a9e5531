/**
 * Where an address comes from. One IpSource per kind: event, interface, http, dns,
 * static, command. Sources are tried in the order the config lists; the first that
 * answers "found" wins for that family.
 *
 * Contract:
 * - `detect` resolves "found" with at least one address (canonical text form, no
 *   prefix length, deduplicated, in the source's order of preference), or
 *   "unavailable" with a reason for the operator. Unavailable is not empty and is
 *   not an error: the engine then leaves that family's records alone.
 * - Addresses are already sanity-checked (ip-source/sanity.ts) unless the source is
 *   `static` or the family sets accept_private.
 * - `detect` never throws for an expected failure (timeouts, bad answers): it
 *   returns unavailable. It honours the signal.
 */
export type Family = "ipv4" | "ipv6";
export const FAMILIES: readonly Family[] = ["ipv4", "ipv6"];

export type SourceName = "event" | "interface" | "http" | "dns" | "static" | "command";
export const SOURCE_NAMES: readonly SourceName[] = ["event", "interface", "http", "dns", "static", "command"];

export type Detection =
  | { kind: "found"; source: SourceName; addresses: string[] }
  | { kind: "unavailable"; source: SourceName; reason: string };

export interface IpSource {
  readonly name: SourceName;
  /**
   * `signal` is given to the sources that wait on something outside (http, dns,
   * command); the local ones (static, event, interface) finish at once and get none,
   * so that a run using only them never builds an AbortSignal or a timer.
   */
  detect(family: Family, signal?: AbortSignal): Promise<Detection>;
}

/** One parsed event file (DESIGN.md "Event file"). */
export interface EventRecord {
  /** The file name (interface name or push id) as found in the events directory. */
  file: string;
  source: "networkmanager" | "networkd" | "push" | "manual";
  iface?: string;
  action?: string;
  /** SOURCE=push only: the DNS name the router pushed for (NAME=, lowercased). */
  name?: string;
  /** SOURCE=push only: who pushed (FROM=): the sender's address, or "local" for the Unix socket. */
  from?: string;
  ipv4: string[];
  ipv6: string[];
  /** epoch seconds */
  time?: number;
}
