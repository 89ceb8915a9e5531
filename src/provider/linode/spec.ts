import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function linodeSpec(): ProviderSpec {
  return {
    type: "linode",
    summary: "Linode (Akamai) DNS Manager (API v4, personal access token)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      values: [30, 120, 300, 3600, 7200, 14400, 28800, 57600, 86400],
      unset: "existing records keep theirs; new records get the domain's default (ttl_sec 0)",
      source: "linode.com/docs/api/domains (Domain Record ttl_sec): only 0 (default), 300, 3600, 7200, 14400, 28800, 57600, 86400, ... are valid, any other value is rounded up (docs.dnscontrol.org/provider/linode quoting it); linode-api-docs#927: \"30 and 120 seconds are acceptable values of TTL in Cloud Manager and by the API.\"",
    },
    defaultEndpoint: "https://api.linode.com/v4",
    keys: [
      { name: "token", kind: "secret", required: true, doc: "personal access token with the domains:read_write scope" },
      { name: "zone", kind: "string", doc: "the domain in Linode's DNS Manager; found from the record name when absent" },
    ],
  };
}
