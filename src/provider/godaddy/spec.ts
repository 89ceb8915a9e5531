import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function godaddySpec(): ProviderSpec {
  return {
    type: "godaddy",
    summary: "GoDaddy DNS (Domains API v1, API key and secret)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 600,
      max: 86400,
      unset: "existing records' TTL is read and written back; new records get GoDaddy's default",
      source: "developer.godaddy.com DNS records: ttl minimum 600 (notes/providers.md §12; lexicon clamps to 600..604800)",
    },
    defaultEndpoint: "https://api.godaddy.com",
    keys: [
      { name: "key", kind: "secret", required: true, doc: "production API key (developer.godaddy.com/keys)" },
      { name: "secret", kind: "secret", required: true, doc: "the API key's secret" },
      { name: "zone", kind: "string", doc: "the domain at GoDaddy; found from the record name when absent" },
    ],
  };
}
