import type { ProviderSpec } from "../types.js";

export const cloudnsSpec: ProviderSpec = {
  type: "cloudns",
  summary: "ClouDNS (HTTP API, API user or sub-user and password)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://api.cloudns.net",
  keys: [
    { name: "auth_id", kind: "string", doc: "API user id (auth-id); or set sub_auth_id" },
    { name: "sub_auth_id", kind: "string", doc: "API sub-user id (sub-auth-id), instead of auth_id" },
    { name: "sub_auth_user", kind: "string", doc: "API sub-user name (sub-auth-user), instead of auth_id" },
    { name: "password", kind: "secret", required: true, doc: "the API user's password (auth-password)" },
    { name: "zone", kind: "string", doc: "the zone at ClouDNS; found from the record name when absent" },
  ],
};
