import type { GatewayProtocol } from "./types.js";

/** The protocols' names as operators know them (loaded without the gateway source itself). */
export const NAMES: Record<GatewayProtocol, string> = { natpmp: "NAT-PMP", pcp: "PCP", upnp: "UPnP" };
