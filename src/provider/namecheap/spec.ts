import type { ProviderSpec } from "../types.js";

export const namecheapSpec: ProviderSpec = {
  type: "namecheap",
  summary: "Namecheap dynamic DNS (per-domain Dynamic DNS password; A records only)",
  families: ["ipv4"],
  defaultEndpoint: "https://dynamicdns.park-your-domain.com",
  keys: [
    { name: "domain", kind: "string", required: true, doc: "the domain the password belongs to, e.g. example.org" },
    { name: "password", kind: "secret", required: true, doc: "the domain's Dynamic DNS password (Advanced DNS page), not the account password" },
  ],
};
