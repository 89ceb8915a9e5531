import type { ProviderSpec } from "../types.js";

export const linodeSpec: ProviderSpec = {
  type: "linode",
  summary: "Linode (Akamai) DNS Manager (API v4, personal access token)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://api.linode.com/v4",
  keys: [
    { name: "token", kind: "secret", required: true, doc: "personal access token with the domains:read_write scope" },
    { name: "zone", kind: "string", doc: "the domain in Linode's DNS Manager; found from the record name when absent" },
  ],
};
