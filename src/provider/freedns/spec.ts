import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function freednsSpec(): ProviderSpec {
  return {
    type: "freedns",
    summary: "FreeDNS (freedns.afraid.org, per-record update token)",
    families: ["ipv4", "ipv6"],
    dualStack: "one request per family, each with its own record's update token (token for the A, ipv6_token for the AAAA); the other record is not touched",
    ttl: {
      fixed: "FreeDNS's update URL takes no TTL (set it at freedns.afraid.org)",
      unset: "the record's TTL as set at FreeDNS",
      source: "freedns.afraid.org/dynamic/v2/: the update URL carries the token and optionally the address, no TTL",
    },
    defaultEndpoint: "https://freedns.afraid.org",
    keys: [
      { name: "token", kind: "secret", doc: "update token of the A record (the part after '?' in its Direct URL)" },
      { name: "ipv6_token", kind: "secret", doc: "update token of the AAAA record" },
    ],
  };
}
