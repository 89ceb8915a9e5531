/**
 * The default IPv4 gateway from the kernel's routing table (/proc/net/route): the
 * lowest-metric default route that is up and goes through a gateway. Columns: Iface,
 * Destination, Gateway, Flags, RefCnt, Use, Metric, Mask, ... with addresses as
 * little-endian hex (the kernel prints the in-memory u32).
 */
const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;

export interface DefaultRoute {
  iface: string;
  gateway: string;
}

function hexToV4(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join(".");
}

/** `interfaces` non-empty: only routes through those. */
export function defaultRoute(table: string, interfaces: readonly string[]): DefaultRoute | undefined {
  let best: (DefaultRoute & { metric: number }) | undefined;
  for (const line of table.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, dest, gw, flags, , , metric, mask] = f as [string, string, string, string, string, string, string, string];
    if (dest !== "00000000" || mask !== "00000000") continue;
    const fl = parseInt(flags, 16);
    if ((fl & RTF_UP) === 0 || (fl & RTF_GATEWAY) === 0) continue;
    if (interfaces.length > 0 && !interfaces.includes(iface)) continue;
    const gateway = hexToV4(gw);
    const m = Number(metric);
    if (gateway === undefined || gateway === "0.0.0.0" || !Number.isFinite(m)) continue;
    if (best === undefined || m < best.metric) best = { iface, gateway, metric: m };
  }
  return best === undefined ? undefined : { iface: best.iface, gateway: best.gateway };
}
