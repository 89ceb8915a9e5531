import type { ProviderSpec } from "../types.js";

export const duckdnsSpec: ProviderSpec = {
  type: "duckdns",
  summary: "Duck DNS (https://www.duckdns.org/spec.jsp, account token)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://www.duckdns.org",
  keys: [{ name: "token", kind: "secret", required: true, doc: "the account token shown on duckdns.org" }],
};
