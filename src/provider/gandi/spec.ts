import type { ProviderSpec } from "../types.js";

export const gandiSpec: ProviderSpec = {
  type: "gandi",
  summary: "Gandi LiveDNS (API v5, personal access token)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://api.gandi.net/v5/livedns",
  keys: [
    { name: "token", kind: "secret", doc: "personal access token with the 'Manage domain name technical configurations' permission" },
    { name: "api_key", kind: "secret", doc: "deprecated API key, used only when token is not set" },
    { name: "zone", kind: "string", doc: "the domain at Gandi; found from the record name when absent" },
  ],
};
