import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function cloudflareSpec(): ProviderSpec {
  return {
    type: "cloudflare",
    summary: "Cloudflare DNS (API v4, API token)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 60,
      max: 86400,
      also: [1],
      unset: "existing records keep theirs; new records get 1 (automatic)",
      note: "Enterprise zones also take 30..59, which ddns refuses: set 60 or more",
      source: "developers.cloudflare.com/api (dns-records_ttl): \"Setting to 1 means 'automatic'. Value must be between 60 and 86400, with the minimum reduced to 30 for Enterprise zones.\"",
    },
    defaultEndpoint: "https://api.cloudflare.com/client/v4",
    keys: [
      { name: "token", kind: "secret", required: true, doc: "API token with Zone.DNS edit permission" },
      { name: "zone", kind: "string", doc: "zone name; found by walking the record name's suffixes when absent" },
      { name: "proxied", kind: "boolean", doc: "proxied flag for records ddns creates (existing records keep theirs)" },
    ],
  };
}
