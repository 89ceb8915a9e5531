/**
 * Where an address comes from. One IpSource per kind: event, interface, http, dns,
 * static, command. Sources are tried in the order the config lists; the first that
 * answers "found" wins for that family.
 *
 * Contract:
 * - `detect` resolves "found" with at least one address (canonical text form, no
 *   prefix length, deduplicated, in the source's order of preference), or
 *   "unavailable" with a reason for the operator. Unavailable is not empty and is
 *   not an error: the engine then leaves that family's records alone.
 * - Addresses are already sanity-checked (ip-source/sanity.ts) unless the source is
 *   `static` or the family sets accept_private.
 * - `detect` never throws for an expected failure (timeouts, bad answers): it
 *   returns unavailable. It honours the signal.
 */
export type Family = "ipv4" | "ipv6";
export const FAMILIES: readonly Family[] = ["ipv4", "ipv6"];

export type SourceName = "event" | "interface" | "http" | "dns" | "static" | "command" | "gateway";
export const SOURCE_NAMES: readonly SourceName[] = ["event", "interface", "http", "dns", "static", "command", "gateway"];

/** The protocols the `gateway` source speaks, in its default order. */
export type GatewayProtocol = "natpmp" | "pcp" | "upnp";
export const GATEWAY_PROTOCOLS: readonly GatewayProtocol[] = ["natpmp", "pcp", "upnp"];

/** One protocol's answer, as `ddns detect` shows it. */
export interface GatewayAttempt {
  protocol: GatewayProtocol;
  /** What the router said (an address, a result code, silence), for the operator. */
  said: string;
  ms: number;
}

/** What the default gateway said this run (the `gateway` source). */
export interface GatewayReport {
  router: string;
  iface: string;
  attempts: GatewayAttempt[];
}

/**
 * The router's WAN address is not public: carrier-grade NAT (100.64.0.0/10), a
 * second NAT (RFC 1918), or the router reports no address of its own (NAT-PMP result
 * 3, an empty UPnP answer). Kept on the family's detection even when a later source
 * answers, so the engine can say it once (a transition).
 */
export interface NatNote {
  kind: "cgnat" | "double-nat" | "no-public";
  router: string;
  /** The router's WAN address, when it said one. */
  wan?: string;
  protocol: GatewayProtocol;
}

/**
 * What the gateway source learned that lets the next run ask with one unicast
 * request: the router, the protocol that answered, and (UPnP) the control URL.
 * Kept in the state file; changes only when the router or its answer's path does.
 */
export interface GatewayMemo {
  router: string;
  protocol: GatewayProtocol;
  controlUrl?: string;
  serviceType?: string;
}

/** Optional findings a source adds to its detection (the gateway source). */
export interface DetectionNotes {
  gateway?: GatewayReport;
  nat?: NatNote;
  memo?: GatewayMemo;
}

export type Detection =
  | ({ kind: "found"; source: SourceName; addresses: string[] } & DetectionNotes)
  | ({ kind: "unavailable"; source: SourceName; reason: string } & DetectionNotes);

export interface IpSource {
  readonly name: SourceName;
  /**
   * `signal` is given to the sources that wait on something outside (http, dns,
   * command); the local ones (static, event, interface) finish at once and get none,
   * so that a run using only them never builds an AbortSignal or a timer.
   */
  detect(family: Family, signal?: AbortSignal): Promise<Detection>;
}

/** One parsed event file (DESIGN.md "Event file"). */
export interface EventRecord {
  /** The file name (interface name or push id) as found in the events directory. */
  file: string;
  /**
   * "gateway": a router's NAT-PMP/PCP announcement heard by ddns-announce.socket (never carries a trusted address).
   * "watch": the address watch (ddns-watch.socket) saw the global addresses change; carries no interface and no address.
   */
  source: "networkmanager" | "networkd" | "push" | "manual" | "gateway" | "watch";
  iface?: string;
  action?: string;
  /** SOURCE=push only: the DNS name the router pushed for (NAME=, lowercased). */
  name?: string;
  /** SOURCE=push only: who pushed (FROM=): the sender's address, or "local" for the Unix socket. */
  from?: string;
  ipv4: string[];
  ipv6: string[];
  /** epoch seconds */
  time?: number;
}
