import type { ProviderEntry, RecordConfig } from "../config/types.js";
import { parseServer, type DnsServer } from "../net/dns/server.js";

/**
 * Provider types whose implementation has a read API (`DnsProvider.readRecords`): one
 * GET per record or per zone. Kept here, beside the other verification rules, so that
 * config validation and the plan know it without loading an implementation (a test
 * checks that each of these types really reads, and no other).
 */
export const API_READ_TYPES: ReadonlySet<string> = new Set([
  "cloudflare",
  "cloudns",
  "desec",
  "digitalocean",
  "gandi",
  "godaddy",
  "hetzner",
  "linode",
  "namecom",
  "porkbun",
  "powerdns",
  "route53",
  "vultr",
]);

/** How a record is checked: through the provider's API, DNS (optionally one server), or not at all. */
export type VerifyVia = { via: "api" } | { via: "dns"; server?: DnsServer } | { via: "off" };

/**
 * The method for a record: `verify = "off"` none; RFC 2136 always asks its configured
 * primary (it is the authority the update went to); "api"/"dns" as configured; "auto"
 * the read API where the type has one, else the zone's authoritative servers.
 */
export function verifyVia(record: RecordConfig, entry: ProviderEntry | undefined): VerifyVia {
  if (record.verify === "off" || entry === undefined) return { via: "off" };
  if (entry.type === "rfc2136") {
    const server = parseServer(String(entry.values["server"] ?? ""));
    return server === null ? { via: "off" } : { via: "dns", server };
  }
  if (record.verify === "api") return { via: "api" };
  if (record.verify === "dns") return { via: "dns" };
  return API_READ_TYPES.has(entry.type) ? { via: "api" } : { via: "dns" };
}
