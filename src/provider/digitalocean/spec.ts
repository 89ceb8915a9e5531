import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function digitaloceanSpec(): ProviderSpec {
  return {
    type: "digitalocean",
    summary: "DigitalOcean DNS (API v2, personal access token)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 1,
      max: 86400,
      unset: "existing records keep theirs; new records get the domain's default (1800)",
      note: "DigitalOcean documents no range; its answer decides",
      source: "docs.digitalocean.com/reference/api (domain records): \"This value is the time to live for the record, in seconds.\" (no range given)",
    },
    defaultEndpoint: "https://api.digitalocean.com/v2",
    keys: [
      { name: "token", kind: "secret", required: true, doc: "personal access token with domain read and update scopes" },
      { name: "zone", kind: "string", doc: "the domain as added to DigitalOcean; found from the record name when absent" },
    ],
  };
}
