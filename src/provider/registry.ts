import type { ProviderFactory, ProviderSpec } from "./types.js";
import { runPart } from "../code-cache.js";
import { cloudflareSpec } from "./cloudflare/spec.js";
import { cloudnsSpec } from "./cloudns/spec.js";
import { desecSpec } from "./desec/spec.js";
import { digitaloceanSpec } from "./digitalocean/spec.js";
import { duckdnsSpec } from "./duckdns/spec.js";
import { DYNDNS2_TYPES, dyndns2Spec } from "./dyndns2/spec.js";
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
 * (config keys, default endpoint, families) and the implementation beside it. Both
 * are built or loaded on first need: a spec when a config names its type (or a
 * command lists them all: `ddns providers`, the docs), the implementation, which
 * only this table loads, when a push or a check needs it. A run thus evaluates the
 * specs of its own providers only, and the others' text never enters its code cache
 * (PERFORMANCE.md, "Where a full run's time goes"). A spec never imports its
 * implementation. Add a provider: add its folder, then one line here.
 */
declare global {
  /** True in dist/ddns.cjs only (scripts/build.mjs defines it): implementations are parts. */
  var __DDNS_PARTS__: boolean | undefined;
}

/**
 * A provider's implementation from its own bundle, dist/ddns-provider-<type>.cjs, with
 * its own code cache (src/code-cache.ts): in the reconciler's bundle the dynamic import
 * beside each call is dead code the build leaves out, so a run that pushes nothing
 * carries no provider code, and one that pushes carries its own provider's only.
 */
function part(type: string): unknown {
  return runPart(`ddns-provider-${type}.cjs`);
}

interface Room {
  /** The types this room serves, known without building any spec. */
  types: readonly string[];
  /** Builds the spec of one of `types` (called once per type: the registry keeps it). */
  spec: (type: string) => ProviderSpec | undefined;
  load: () => Promise<ProviderFactory>;
}

/** A room of one type whose spec.ts exports a function building its spec. */
function one(type: string, spec: () => ProviderSpec, load: Room["load"]): Room {
  return { types: [type], spec, load };
}

const ROOMS: readonly Room[] = [
  one("cloudflare", cloudflareSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("cloudflare") as typeof import("./cloudflare/cloudflare.js")) : await import("./cloudflare/cloudflare.js")).createCloudflare),
  { types: DYNDNS2_TYPES, spec: dyndns2Spec, load: async () => (globalThis.__DDNS_PARTS__ ? (part("dyndns2") as typeof import("./dyndns2/dyndns2.js")) : await import("./dyndns2/dyndns2.js")).createDyndns2 },
  one("duckdns", duckdnsSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("duckdns") as typeof import("./duckdns/duckdns.js")) : await import("./duckdns/duckdns.js")).createDuckdns),
  one("rfc2136", rfc2136Spec, async () => (globalThis.__DDNS_PARTS__ ? (part("rfc2136") as typeof import("./rfc2136/rfc2136.js")) : await import("./rfc2136/rfc2136.js")).createRfc2136),
  one("powerdns", powerdnsSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("powerdns") as typeof import("./powerdns/powerdns.js")) : await import("./powerdns/powerdns.js")).createPowerdns),
  one("freedns", freednsSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("freedns") as typeof import("./freedns/freedns.js")) : await import("./freedns/freedns.js")).createFreedns),
  one("digitalocean", digitaloceanSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("digitalocean") as typeof import("./digitalocean/digitalocean.js")) : await import("./digitalocean/digitalocean.js")).createDigitalocean),
  one("route53", route53Spec, async () => (globalThis.__DDNS_PARTS__ ? (part("route53") as typeof import("./route53/route53.js")) : await import("./route53/route53.js")).createRoute53),
  one("linode", linodeSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("linode") as typeof import("./linode/linode.js")) : await import("./linode/linode.js")).createLinode),
  one("vultr", vultrSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("vultr") as typeof import("./vultr/vultr.js")) : await import("./vultr/vultr.js")).createVultr),
  one("namecom", namecomSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("namecom") as typeof import("./namecom/namecom.js")) : await import("./namecom/namecom.js")).createNamecom),
  one("desec", desecSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("desec") as typeof import("./desec/desec.js")) : await import("./desec/desec.js")).createDesec),
  one("cloudns", cloudnsSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("cloudns") as typeof import("./cloudns/cloudns.js")) : await import("./cloudns/cloudns.js")).createCloudns),
  one("porkbun", porkbunSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("porkbun") as typeof import("./porkbun/porkbun.js")) : await import("./porkbun/porkbun.js")).createPorkbun),
  one("gandi", gandiSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("gandi") as typeof import("./gandi/gandi.js")) : await import("./gandi/gandi.js")).createGandi),
  one("godaddy", godaddySpec, async () => (globalThis.__DDNS_PARTS__ ? (part("godaddy") as typeof import("./godaddy/godaddy.js")) : await import("./godaddy/godaddy.js")).createGodaddy),
  one("hetzner", hetznerSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("hetzner") as typeof import("./hetzner/hetzner.js")) : await import("./hetzner/hetzner.js")).createHetzner),
  one("namecheap", namecheapSpec, async () => (globalThis.__DDNS_PARTS__ ? (part("namecheap") as typeof import("./namecheap/namecheap.js")) : await import("./namecheap/namecheap.js")).createNamecheap),
];

const roomOf = new Map<string, Room>();
for (const r of ROOMS) for (const t of r.types) roomOf.set(t, r);
const built = new Map<string, ProviderSpec>();

/** Every provider type, in the order `ddns providers` lists them; builds no spec. */
export function providerTypes(): readonly string[] {
  return [...roomOf.keys()];
}

/** The spec of `type`, built on first use; undefined for a type ddns does not know. */
export function providerSpec(type: string): ProviderSpec | undefined {
  let spec = built.get(type);
  if (spec === undefined) {
    const room = roomOf.get(type);
    spec = room?.spec(type);
    if (spec === undefined) return undefined;
    if (spec.type !== type) throw new Error(`provider spec for ${type} names itself ${spec.type}`);
    built.set(type, spec);
  }
  return spec;
}

/** The types whose spec has been built in this process, in build order (tests: a run builds only its own). */
export function builtProviderSpecs(): string[] {
  return [...built.keys()];
}

/** Every spec (builds them all: for listings and docs, not for a run). */
export function providerSpecs(): readonly ProviderSpec[] {
  return providerTypes().map((t) => providerSpec(t)!);
}

/** Loads the implementation of a registered spec (a dynamic import: evaluated only on first need). */
export function loadProvider(spec: ProviderSpec): Promise<ProviderFactory> {
  const room = roomOf.get(spec.type);
  if (room === undefined) throw new Error(`provider type ${spec.type} has no implementation in the registry`);
  return room.load();
}

/** Keys every provider table takes besides its own. */
export const COMMON_PROVIDER_KEYS = ["type", "endpoint", "refresh_days"] as const;
