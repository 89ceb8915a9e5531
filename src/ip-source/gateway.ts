/**
 * The `gateway` source (IPv4): ask the default gateway, the home router, for its WAN
 * address, instead of asking a service on the internet. In order (or as
 * `gateway_protocols` says): NAT-PMP opcode 0 (RFC 6886), PCP MAP with lifetime 0
 * (RFC 6887), UPnP IGD GetExternalIPAddress. None of them creates a mapping.
 *
 * - The router is the lowest-metric default route in /proc/net/route (optionally
 *   limited to `interfaces`); no default route is "unavailable" at once.
 * - Each UDP question follows RFC 6886's retry schedule cut to fit a run (250 ms,
 *   then 500 ms); an ICMP port-unreachable ends it at once. SSDP waits at most 1 s.
 * - The protocol that answered last time (and UPnP's control URL) comes from the
 *   state file (`memo`): a steady-state run is one unicast request and its answer.
 * - Every address passes the sanity rules of sanity.ts. A router whose own WAN
 *   address is CGNAT (100.64/10) or private (RFC 1918), or that has none, is not the
 *   public address: the source is unavailable with a NatNote, so the next source
 *   (say `http`) answers and the engine warns once.
 */
import { readFile } from "node:fs/promises";
import type { FamilyConfig } from "../config/types.js";
import { askNatPmp } from "./gateway/natpmp.js";
import { askPcp } from "./gateway/pcp.js";
import { defaultRoute } from "./gateway/route.js";
import { describeIgd, getExternalIp, searchIgd, type IgdControl } from "./gateway/upnp.js";
import { NAMES } from "./gateway-names.js";
import { classify, isAcceptable, parseAddress, formatBytes, printable } from "./sanity.js";
import type { Detection, Family, GatewayAttempt, GatewayMemo, GatewayProtocol, IpSource, NatNote } from "./types.js";

/** RFC 6886 section 3.1 starts at 250 ms and doubles; two sends fit a run. */
const UDP_SCHEDULE = [250, 500] as const;
const SSDP_WAIT_MS = 1000;

export interface GatewayDeps {
  /** Normally "/proc/net/route". */
  procNetRoute: string;
  /** From the state file: what answered last time. */
  memo?: GatewayMemo | undefined;
}

type Asked =
  | { kind: "address"; address: string; said: string; memo: GatewayMemo }
  | { kind: "no-public"; said: string }
  | { kind: "failed"; said: string };

export function createGatewaySource(cfg: FamilyConfig, deps: GatewayDeps): IpSource {
  return {
    name: "gateway",
    async detect(family: Family, signal: AbortSignal): Promise<Detection> {
      if (family !== "ipv4") return { kind: "unavailable", source: "gateway", reason: "the gateway source is IPv4 only (IPv6 has no NAT to ask)" };
      let table: string;
      try {
        table = await readFile(deps.procNetRoute, "utf8");
      } catch (e) {
        return { kind: "unavailable", source: "gateway", reason: `cannot read ${deps.procNetRoute}: ${(e as NodeJS.ErrnoException).code ?? "error"}` };
      }
      const route = defaultRoute(table, cfg.interfaces);
      if (route === undefined) {
        const where = cfg.interfaces.length > 0 ? ` through ${cfg.interfaces.join(", ")}` : "";
        return { kind: "unavailable", source: "gateway", reason: `no default IPv4 route${where}: no router to ask` };
      }
      const router = route.gateway;
      const memo = deps.memo?.router === router ? deps.memo : undefined;
      const order = [...cfg.gatewayProtocols];
      if (memo !== undefined && order.includes(memo.protocol)) order.sort((a, b) => (a === memo.protocol ? -1 : b === memo.protocol ? 1 : 0));

      const attempts: GatewayAttempt[] = [];
      const reasons: string[] = [];
      let nat: NatNote | undefined;
      const gateway = { router, iface: route.iface, attempts };
      for (const protocol of order) {
        if (signal.aborted) break;
        const started = performance.now();
        const r = await ask(protocol, router, memo, signal);
        attempts.push({ protocol, said: r.said, ms: Math.round(performance.now() - started) });
        if (r.kind === "failed") {
          reasons.push(`${NAMES[protocol]}: ${r.said}`);
          continue;
        }
        if (r.kind === "no-public") {
          nat ??= { kind: "no-public", router, protocol };
          reasons.push(`${NAMES[protocol]}: ${r.said}`);
          continue;
        }
        const cls = classify(r.address, "ipv4");
        // Checked before accept_private: a router behind another NAT never knows the public address.
        if (cls === "cgnat" || cls === "private") {
          // No other protocol will find a public address on this router.
          const note: NatNote = { kind: cls === "cgnat" ? "cgnat" : "double-nat", router, wan: r.address, protocol };
          reasons.push(`${NAMES[protocol]}: the router's WAN address ${r.address} is ${cls === "cgnat" ? "carrier-grade NAT space (100.64.0.0/10)" : "private (RFC 1918)"}`);
          return { kind: "unavailable", source: "gateway", reason: `router ${router}: ${reasons.join("; ")}`, gateway, nat: note, memo: r.memo };
        }
        if (isAcceptable(cls, cfg.acceptPrivate)) {
          return { kind: "found", source: "gateway", addresses: [r.address], gateway, memo: r.memo, ...(nat ? { nat } : {}) };
        }
        reasons.push(`${NAMES[protocol]}: the router said ${r.address}, a ${cls} address`);
      }
      const reason = `router ${router}: ${reasons.join("; ") || "out of time"}`;
      return nat ? { kind: "unavailable", source: "gateway", reason, gateway, nat } : { kind: "unavailable", source: "gateway", reason, gateway };
    },
  };
}


async function ask(protocol: GatewayProtocol, router: string, memo: GatewayMemo | undefined, signal: AbortSignal): Promise<Asked> {
  switch (protocol) {
    case "natpmp": {
      const r = await askNatPmp(router, UDP_SCHEDULE, signal);
      if (r.kind === "silent") return { kind: "failed", said: r.reason };
      if (r.value.kind === "refused") return r.value.result === 3 ? { kind: "no-public", said: `result ${r.value.result}, ${r.value.text}` } : { kind: "failed", said: `result ${r.value.result}, ${r.value.text}` };
      return { kind: "address", address: r.value.address, said: r.value.address, memo: { router, protocol } };
    }
    case "pcp": {
      const r = await askPcp(router, UDP_SCHEDULE, signal);
      if (r.kind === "silent") return { kind: "failed", said: r.reason };
      if (r.value.kind === "refused") return r.value.result === 7 ? { kind: "no-public", said: `result ${r.value.result}, ${r.value.text}` } : { kind: "failed", said: `result ${r.value.result}, ${r.value.text}` };
      if (r.value.kind === "no-address") return { kind: "failed", said: "answered without an external address" };
      return { kind: "address", address: r.value.address, said: r.value.address, memo: { router, protocol } };
    }
    case "upnp":
      return askUpnp(router, memo, signal);
  }
}

async function askUpnp(router: string, memo: GatewayMemo | undefined, signal: AbortSignal): Promise<Asked> {
  let control: IgdControl | undefined =
    memo?.protocol === "upnp" && memo.controlUrl !== undefined && memo.serviceType !== undefined ? { controlUrl: memo.controlUrl, serviceType: memo.serviceType } : undefined;
  let cached = control !== undefined;
  for (;;) {
    if (control === undefined) {
      const found = await searchIgd(router, SSDP_WAIT_MS, signal);
      if (found.kind === "failed") return { kind: "failed", said: found.reason };
      const described = await describeIgd(found.value, router, signal);
      if (described.kind === "failed") return { kind: "failed", said: described.reason };
      control = described.value;
    }
    const r = await getExternalIp(control, router, signal);
    if (r.kind === "failed") {
      // The router may have restarted on another port: discover once more.
      if (cached && !signal.aborted) {
        cached = false;
        control = undefined;
        continue;
      }
      return { kind: "failed", said: r.reason };
    }
    const newMemo: GatewayMemo = { router, protocol: "upnp", controlUrl: control.controlUrl, serviceType: control.serviceType };
    if (r.value.kind === "empty") return { kind: "no-public", said: "an empty NewExternalIPAddress" };
    const p = parseAddress(r.value.text);
    if (p === null || p.family !== "ipv4") return { kind: "failed", said: `"${printable(r.value.text, 40)}" is not an IPv4 address` };
    const address = formatBytes(p.bytes);
    return { kind: "address", address, said: address, memo: newMemo };
  }
}
