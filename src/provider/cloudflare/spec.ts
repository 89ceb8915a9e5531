import type { ProviderSpec } from "../types.js";

export const cloudflareSpec: ProviderSpec = {
  type: "cloudflare",
  summary: "Cloudflare DNS (API v4, API token)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://api.cloudflare.com/client/v4",
  keys: [
    { name: "token", kind: "secret", required: true, doc: "API token with Zone.DNS edit permission" },
    { name: "zone", kind: "string", doc: "zone name; found by walking the record name's suffixes when absent" },
    { name: "proxied", kind: "boolean", doc: "proxied flag for records ddns creates (existing records keep theirs)" },
  ],
};
