import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function hetznerSpec(): ProviderSpec {
  return {
    type: "hetzner",
    summary: "Hetzner DNS in the Hetzner Console (Cloud API zones, project API token)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 60,
      max: 86400,
      unset: "existing RRsets keep theirs (set_records); new RRsets get the zone's default TTL",
      source: "docs.hetzner.cloud/reference/cloud (zone RRsets): ttl from 60 (notes/providers.md §7.2; ddns-updater enforces 60..2147483647)",
    },
    defaultEndpoint: "https://api.hetzner.cloud/v1",
    keys: [
      { name: "token", kind: "secret", required: true, doc: "Cloud project API token with read & write access (old dns.hetzner.com tokens do not work)" },
      { name: "zone", kind: "string", doc: "the zone name (or id) in the project; found from the record name when absent" },
    ],
  };
}
