import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function vultrSpec(): ProviderSpec {
  return {
    type: "vultr",
    summary: "Vultr DNS (API v2, API key)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 1,
      max: 86400,
      unset: "existing records keep theirs; new records get Vultr's default",
      note: "Vultr documents no range; its answer decides",
      source: "vultr.com/api (DNS records): ttl in seconds, no range given",
    },
    defaultEndpoint: "https://api.vultr.com/v2",
    keys: [
      { name: "api_key", kind: "secret", required: true, doc: "API key (Account > API; its access control list must allow this host)" },
      { name: "zone", kind: "string", doc: "the domain as added to Vultr DNS; found from the record name when absent" },
    ],
  };
}
