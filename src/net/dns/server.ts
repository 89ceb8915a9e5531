/**
 * A DNS server as ddns names it: an IP literal with an optional port. Apart from
 * exchange.ts so that reading a configuration (verify_resolvers, a dns source's
 * servers) does not load the socket modules (node:dgram, node:net, node:crypto cost a
 * run ~4 ms it rarely needs; PERFORMANCE.md).
 */
import { familyOf } from "../../ip-source/sanity.js";

export interface DnsServer {
  host: string;
  port: number;
}

export function formatServer(s: DnsServer): string {
  return s.host.includes(":") ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

/** "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353"; null if not an IP literal. */
export function parseServer(text: string): DnsServer | null {
  const t = text.trim();
  let host = t;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(t);
  const v4port = /^([\d.]+):(\d{1,5})$/.exec(t);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (v4port) {
    host = v4port[1]!;
    port = Number(v4port[2]);
  }
  const family = familyOf(host);
  if (family === null || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  if (bracket && family !== "ipv6") return null;
  return { host, port };
}
