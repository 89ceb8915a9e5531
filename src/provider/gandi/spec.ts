import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function gandiSpec(): ProviderSpec {
  return {
    type: "gandi",
    summary: "Gandi LiveDNS (API v5, personal access token)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 300,
      max: 86400,
      unset: "an existing RRset's TTL is read and written back; new RRsets get Gandi's default (10800)",
      source: "api.gandi.net/docs/livedns: rrset_ttl minimum 300 (notes/providers.md §9; lexicon clamps below 300)",
    },
    defaultEndpoint: "https://api.gandi.net/v5/livedns",
    keys: [
      { name: "token", kind: "secret", doc: "personal access token with the 'Manage domain name technical configurations' permission" },
      { name: "api_key", kind: "secret", doc: "deprecated API key, used only when token is not set" },
      { name: "zone", kind: "string", doc: "the domain at Gandi; found from the record name when absent" },
    ],
  };
}
