import type { ProviderSpec } from "../types.js";

export const digitaloceanSpec: ProviderSpec = {
  type: "digitalocean",
  summary: "DigitalOcean DNS (API v2, personal access token)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://api.digitalocean.com/v2",
  keys: [
    { name: "token", kind: "secret", required: true, doc: "personal access token with domain read and update scopes" },
    { name: "zone", kind: "string", doc: "the domain as added to DigitalOcean; found from the record name when absent" },
  ],
};
