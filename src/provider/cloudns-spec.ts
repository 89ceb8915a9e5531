import type { ProviderSpec } from "./types.js";

export const cloudnsSpec: ProviderSpec = {
  type: "cloudns",
  summary: "ClouDNS (HTTP API, auth-id or sub-auth-id and password)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://api.cloudns.net",
  keys: [
    { name: "auth_id", kind: "string", doc: "API user id (auth-id); or set sub_auth_id" },
    { name: "sub_auth_id", kind: "string", doc: "API sub-user id (sub-auth-id)" },
    { name: "password", kind: "secret", required: true, doc: "the API user's password (auth-password)" },
    { name: "zone", kind: "string", doc: "the zone at ClouDNS; found from the record name when absent" },
  ],
  load: async () => (await import("./cloudns.js")).createCloudns,
};
