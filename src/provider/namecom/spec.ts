import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function namecomSpec(): ProviderSpec {
  return {
    type: "namecom",
    summary: "Name.com (API v4, username and API token)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 300,
      max: 86400,
      unset: "existing records' TTL is read and written back; new records get Name.com's default",
      source: "name.com API (notes/providers.md §13): TTL minimum 300",
    },
    defaultEndpoint: "https://api.name.com/v4",
    keys: [
      { name: "username", kind: "string", required: true, doc: "the Name.com account user name" },
      { name: "token", kind: "secret", required: true, doc: "API token (www.name.com/account/settings/api)" },
      { name: "zone", kind: "string", doc: "the domain at Name.com; found from the record name when absent" },
    ],
  };
}
