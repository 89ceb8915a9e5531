/**
 * `ipv6_host`: another LAN device's IPv6 address built from this host's detected
 * prefix. The device keeps its interface identifier (a fixed suffix, or the EUI-64
 * identifier of its MAC address, RFC 4291 appendix A) while the provider's prefix
 * changes; ddns joins the first `prefixLength` bits of the detected address with the
 * rest from the identifier. A prefix change moves every such record in one run.
 */
import { formatBytes, parseAddress } from "./sanity.js";

const MAC = /^mac\(\s*([0-9A-Fa-f]{2})[:-]([0-9A-Fa-f]{2})[:-]([0-9A-Fa-f]{2})[:-]([0-9A-Fa-f]{2})[:-]([0-9A-Fa-f]{2})[:-]([0-9A-Fa-f]{2})\s*\)$/;

/** The host part as 16 bytes (canonical text), or why the text is not one that fits below `prefixLength`. */
export function parseIpv6Host(text: string, prefixLength: number): { ok: true; host: string } | { ok: false; reason: string } {
  let bytes: Uint8Array;
  const m = MAC.exec(text.trim());
  if (m !== null) {
    const mac = m.slice(1, 7).map((h) => parseInt(h!, 16));
    // Modified EUI-64: the universal/local bit flipped, ff:fe in the middle.
    bytes = new Uint8Array(16);
    bytes.set([mac[0]! ^ 0x02, mac[1]!, mac[2]!, 0xff, 0xfe, mac[3]!, mac[4]!, mac[5]!], 8);
    if (prefixLength > 64) return { ok: false, reason: `a mac() identifier fills the low 64 bits; ipv6_prefix_length must be 64 or less, not ${prefixLength}` };
  } else {
    const p = parseAddress(text.trim());
    if (p === null || p.family !== "ipv6") return { ok: false, reason: `"${text.slice(0, 60)}" is neither an interface identifier such as "::1234:5678" nor "mac(aa:bb:cc:dd:ee:ff)"` };
    bytes = p.bytes;
  }
  for (let bit = 0; bit < prefixLength; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) {
      return { ok: false, reason: `"${text.slice(0, 60)}" has bits set inside the ${prefixLength}-bit prefix; write only the host part (e.g. "::1234:5678")` };
    }
  }
  return { ok: true, host: formatBytes(bytes) };
}

/** The first `prefixLength` bits of `address` joined with the rest of `host` (both canonical IPv6). */
export function joinPrefix(address: string, host: string, prefixLength: number): string | undefined {
  const a = parseAddress(address);
  const h = parseAddress(host);
  if (a?.family !== "ipv6" || h?.family !== "ipv6") return undefined;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bitsFromPrefix = Math.max(0, Math.min(8, prefixLength - i * 8));
    const mask = bitsFromPrefix === 0 ? 0 : (0xff << (8 - bitsFromPrefix)) & 0xff;
    out[i] = (a.bytes[i]! & mask) | (h.bytes[i]! & ~mask & 0xff);
  }
  return formatBytes(out);
}
