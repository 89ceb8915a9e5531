import type { Socket, SocketType } from "node:dgram";
import type { FamilyConfig } from "../config/types.js";
import type { Detection, IpSource } from "./types.js";

export type UdpSocketFactory = (type: SocketType) => Socket;

export function createDnsSource(_cfg: FamilyConfig, _deps: { udp?: UdpSocketFactory }): IpSource {
  return { name: "dns", detect: async (): Promise<Detection> => ({ kind: "unavailable", source: "dns", reason: "not implemented yet" }) };
}
