import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function porkbunSpec(): ProviderSpec {
  return {
    type: "porkbun",
    summary: "Porkbun (API v3, API key and secret key)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 600,
      max: 86400,
      unset: "existing records' TTL is read and written back; new records get 600",
      source: "porkbun.com/api/json/v3/documentation: ttl minimum and default 600 seconds (notes/providers.md §5, hexdocs porkbun paraphrase)",
    },
    defaultEndpoint: "https://api.porkbun.com/api/json/v3",
    keys: [
      { name: "apikey", kind: "secret", required: true, doc: "API key (pk1_...)" },
      { name: "secretapikey", kind: "secret", required: true, doc: "secret API key (sk1_...)" },
      { name: "zone", kind: "string", doc: "the domain at Porkbun (API access switched on); found from the record name when absent" },
    ],
  };
}
