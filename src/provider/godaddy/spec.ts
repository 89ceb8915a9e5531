import type { ProviderSpec } from "../types.js";

export const godaddySpec: ProviderSpec = {
  type: "godaddy",
  summary: "GoDaddy DNS (Domains API v1, API key and secret)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://api.godaddy.com",
  keys: [
    { name: "key", kind: "secret", required: true, doc: "production API key (developer.godaddy.com/keys)" },
    { name: "secret", kind: "secret", required: true, doc: "the API key's secret" },
    { name: "zone", kind: "string", doc: "the domain at GoDaddy; found from the record name when absent" },
  ],
};
