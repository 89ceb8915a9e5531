import type { ProviderSpec } from "../types.js";

/** Built when asked (registry.ts): a run evaluates only the specs its config names. */
export function cloudnsSpec(): ProviderSpec {
  return {
    type: "cloudns",
    summary: "ClouDNS (HTTP API, API user or sub-user and password)",
    families: ["ipv4", "ipv6"],
    dualStack: "A and AAAA are separate record sets: each family due is written on its own record set (several in one request where the API batches them); a family not due is not touched",
    ttl: {
      min: 60,
      max: 86400,
      unset: "existing records' TTL is read and written back; new records get 3600",
      note: "ClouDNS takes only the values its get-available-ttl.json lists (60, 300, 900, 1800, 3600, 21600, 43200, 86400 among them); ddns writes the smallest of them not below ttl",
      source: "api.cloudns.net (add-record/mod-record): ttl is required and must be one of the available TTL values (notes/providers.md §14)",
    },
    defaultEndpoint: "https://api.cloudns.net",
    keys: [
      { name: "auth_id", kind: "string", doc: "API user id (auth-id); or set sub_auth_id" },
      { name: "sub_auth_id", kind: "string", doc: "API sub-user id (sub-auth-id), instead of auth_id" },
      { name: "sub_auth_user", kind: "string", doc: "API sub-user name (sub-auth-user), instead of auth_id" },
      { name: "password", kind: "secret", required: true, doc: "the API user's password (auth-password)" },
      { name: "zone", kind: "string", doc: "the zone at ClouDNS; found from the record name when absent" },
    ],
  };
}
