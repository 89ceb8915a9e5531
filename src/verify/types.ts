import type { Family } from "../ip-source/types.js";
import type { DnsServer } from "../net/dns/server.js";
import type { ProviderCache } from "../provider/types.js";

/**
 * Drift checks (issue 17): what a provider really serves for a record, asked rarely
 * (once per verify_interval) and never through the local resolver's answer.
 *
 * `[[records]] verify`: "auto" = the provider's read API where it has one, else DNS;
 * "api" = the read API only; "dns" = the zone's authoritative servers only; "off".
 */
export type VerifyMode = "auto" | "api" | "dns" | "off";
export const VERIFY_MODES: readonly VerifyMode[] = ["auto", "api", "dns", "off"];

/** The default and the floor of verify_interval, seconds. */
export const VERIFY_INTERVAL_DEFAULT_S = 86_400;
export const VERIFY_INTERVAL_MIN_S = 3_600;
/** 30 days: a longer interval is a typo, and a record could stay wrong for a month. */
export const VERIFY_INTERVAL_MAX_S = 30 * 86_400;
/** After our own push no check for max(record TTL, this): our change may still be propagating. */
export const PROPAGATION_FLOOR_MS = 10 * 60_000;

/** One record to check. */
export interface VerifyTarget {
  /** "<name>/<family>", as in state. */
  key: string;
  name: string;
  family: Family;
  /** `[providers.NAME]` of the record. */
  provider: string;
  /** How: the provider's read API, or DNS (the zone's authoritative servers, or `server`). */
  via: "api" | "dns";
  /** DNS only: ask this server (the rfc2136 primary) instead of walking to the zone's NS. */
  server?: DnsServer;
  /** The provider's cache for the record (zone and record ids). */
  cache?: ProviderCache;
}

/**
 * What a check found.
 * - "served": the addresses served for the name and family (`[]`: no such record).
 *   `cache`: the provider's refreshed cache (API reads), so a repair is one request.
 *   `proxied`: Cloudflare serves its edge for it (DNS could never show the record).
 * - "propagating": the authoritative servers disagree among themselves: a change is
 *   on its way, which is not drift.
 * - "unknown": nothing could be learnt (timeout, SERVFAIL, no read permission, no
 *   authoritative answer). Nothing is concluded from it.
 */
export type Served =
  | { kind: "served"; addresses: string[]; via: "api" | "dns"; cache?: ProviderCache; proxied?: boolean }
  | { kind: "propagating"; via: "api" | "dns"; reason: string }
  | { kind: "unknown"; via: "api" | "dns"; reason: string };

/**
 * Asks what is served for every target, one outcome per `target.key`. Read-only:
 * never changes anything at any provider. Never throws for a network or provider
 * failure (that is "unknown"); `signal` bounds the whole check.
 */
export interface Verifier {
  check(targets: readonly VerifyTarget[], signal: AbortSignal): Promise<Map<string, Served>>;
}
