import type { ProviderSpec } from "../types.js";

export const freednsSpec: ProviderSpec = {
  type: "freedns",
  summary: "FreeDNS (freedns.afraid.org, per-record update token)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://freedns.afraid.org",
  keys: [
    { name: "token", kind: "secret", doc: "update token of the A record (the part after '?' in its Direct URL)" },
    { name: "ipv6_token", kind: "secret", doc: "update token of the AAAA record" },
  ],
};
