import type { ProviderSpec } from "../types.js";

export const desecSpec: ProviderSpec = {
  type: "desec",
  summary: "deSEC (desec.io REST API, token; dedyn.io names and your own domains)",
  families: ["ipv4", "ipv6"],
  defaultEndpoint: "https://desec.io/api/v1",
  keys: [{ name: "token", kind: "secret", required: true, doc: "API token (Token management at desec.io)" }],
};
