import type { ProviderFactory, ProviderSpec } from "./types.js";
import { cloudflareSpec } from "./cloudflare/spec.js";
import { cloudnsSpec } from "./cloudns/spec.js";
import { desecSpec } from "./desec/spec.js";
import { digitaloceanSpec } from "./digitalocean/spec.js";
import { duckdnsSpec } from "./duckdns/spec.js";
import { dyndns2Specs } from "./dyndns2/spec.js";
import { freednsSpec } from "./freedns/spec.js";
import { gandiSpec } from "./gandi/spec.js";
import { godaddySpec } from "./godaddy/spec.js";
import { hetznerSpec } from "./hetzner/spec.js";
import { linodeSpec } from "./linode/spec.js";
import { namecheapSpec } from "./namecheap/spec.js";
import { namecomSpec } from "./namecom/spec.js";
import { porkbunSpec } from "./porkbun/spec.js";
import { powerdnsSpec } from "./powerdns/spec.js";
import { rfc2136Spec } from "./rfc2136/spec.js";
import { route53Spec } from "./route53/spec.js";
import { vultrSpec } from "./vultr/spec.js";

/**
 * Every provider type ddns knows, one folder each under src/provider/: `spec.ts`
 * (config keys, default endpoint, families: small, imported on every run because
 * config validation needs it) and the implementation beside it, which only this
 * table loads, lazily, when a push or a check needs it. A spec never imports its
 * implementation. Add a provider: add its folder, then one line here.
 */
interface Room {
  specs: readonly ProviderSpec[];
  load: () => Promise<ProviderFactory>;
}

const ROOMS: readonly Room[] = [
  { specs: [cloudflareSpec], load: async () => (await import("./cloudflare/cloudflare.js")).createCloudflare },
  { specs: dyndns2Specs, load: async () => (await import("./dyndns2/dyndns2.js")).createDyndns2 },
  { specs: [duckdnsSpec], load: async () => (await import("./duckdns/duckdns.js")).createDuckdns },
  { specs: [rfc2136Spec], load: async () => (await import("./rfc2136/rfc2136.js")).createRfc2136 },
  { specs: [powerdnsSpec], load: async () => (await import("./powerdns/powerdns.js")).createPowerdns },
  { specs: [freednsSpec], load: async () => (await import("./freedns/freedns.js")).createFreedns },
  { specs: [digitaloceanSpec], load: async () => (await import("./digitalocean/digitalocean.js")).createDigitalocean },
  { specs: [route53Spec], load: async () => (await import("./route53/route53.js")).createRoute53 },
  { specs: [linodeSpec], load: async () => (await import("./linode/linode.js")).createLinode },
  { specs: [vultrSpec], load: async () => (await import("./vultr/vultr.js")).createVultr },
  { specs: [namecomSpec], load: async () => (await import("./namecom/namecom.js")).createNamecom },
  { specs: [desecSpec], load: async () => (await import("./desec/desec.js")).createDesec },
  { specs: [cloudnsSpec], load: async () => (await import("./cloudns/cloudns.js")).createCloudns },
  { specs: [porkbunSpec], load: async () => (await import("./porkbun/porkbun.js")).createPorkbun },
  { specs: [gandiSpec], load: async () => (await import("./gandi/gandi.js")).createGandi },
  { specs: [godaddySpec], load: async () => (await import("./godaddy/godaddy.js")).createGodaddy },
  { specs: [hetznerSpec], load: async () => (await import("./hetzner/hetzner.js")).createHetzner },
  { specs: [namecheapSpec], load: async () => (await import("./namecheap/namecheap.js")).createNamecheap },
];

const SPECS: readonly ProviderSpec[] = ROOMS.flatMap((r) => r.specs);
const byType = new Map<string, ProviderSpec>(SPECS.map((s) => [s.type, s]));
const loaderOf = new Map<ProviderSpec, Room["load"]>(ROOMS.flatMap((r) => r.specs.map((s) => [s, r.load] as const)));

export function providerSpec(type: string): ProviderSpec | undefined {
  return byType.get(type);
}

export function providerSpecs(): readonly ProviderSpec[] {
  return SPECS;
}

/** Loads the implementation of a registered spec (a dynamic import: evaluated only on first need). */
export function loadProvider(spec: ProviderSpec): Promise<ProviderFactory> {
  const load = loaderOf.get(spec);
  if (load === undefined) throw new Error(`provider type ${spec.type} has no implementation in the registry`);
  return load();
}

/** Keys every provider table takes besides its own. */
export const COMMON_PROVIDER_KEYS = ["type", "endpoint", "refresh_days"] as const;
