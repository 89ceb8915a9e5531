/**
 * Address parsing, canonical text form and the "is this worth publishing" check.
 *
 * Every detected address passes through here (except the `static` source, which is
 * taken as given). The ranges follow the IANA special-purpose registries for IPv4 and
 * IPv6 (RFC 6890 and its updates); the idea of refusing them before they reach DNS
 * comes from favonia/cloudflare-ddns.
 *
 * With `accept_private = true` (internal zones) a family still refuses what can
 * never be a useful address record: `unspecified`, `loopback`, `multicast`,
 * `broadcast` and `link-local` (meaningless without a zone index). Everything else
 * that parses (RFC 1918, CGNAT, ULA, documentation, reserved, tunnels...) is accepted.
 */
import type { Family } from "./types.js";

export type AddressClass =
  | "global"
  | "invalid"
  | "unspecified"
  | "this-network"
  | "loopback"
  | "private"
  | "cgnat"
  | "link-local"
  | "documentation"
  | "benchmarking"
  | "reserved"
  | "broadcast"
  | "multicast"
  | "ula"
  | "site-local"
  | "ipv4-mapped"
  | "6to4"
  | "teredo"
  | "nat64";

/** Classes refused even when the family sets accept_private. */
const NEVER_ACCEPTED: ReadonlySet<AddressClass> = new Set<AddressClass>([
  "invalid",
  "unspecified",
  "this-network",
  "loopback",
  "multicast",
  "broadcast",
  "link-local",
]);

export interface ParsedAddress {
  family: Family;
  bytes: Uint8Array;
}

/**
 * A decimal octet as /^(?:0|[1-9][0-9]{0,2})$/ would take it, and its value; -1 when
 * it is not one or above 255. By hand: each regular expression a run executes is
 * compiled on first use (PERFORMANCE.md, "The reconciler's own work").
 */
export function decOctet(p: string): number {
  if (p.length === 0 || p.length > 3 || (p.length > 1 && p.charCodeAt(0) === 48)) return -1;
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    const d = p.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n > 255 ? -1 : n;
}

/** Strict dotted quad: four decimal octets, no leading zeros (no octal ambiguity). */
function parseV4Bytes(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = decOctet(parts[i]!);
    if (n < 0) return null;
    out[i] = n;
  }
  return out;
}

const HEXTET = /^[0-9a-fA-F]{1,4}$/;

function parseV6Bytes(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const words: number[][] = [];
  for (const half of halves) {
    const groups: number[] = [];
    if (half !== "") {
      const parts = half.split(":");
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        if (i === parts.length - 1 && p.includes(".") && half === halves[halves.length - 1]) {
          const v4 = parseV4Bytes(p);
          if (!v4) return null;
          groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        } else if (HEXTET.test(p)) {
          groups.push(parseInt(p, 16));
        } else {
          return null;
        }
      }
    }
    words.push(groups);
  }
  let all: number[];
  if (words.length === 1) {
    all = words[0]!;
    if (all.length !== 8) return null;
  } else {
    const head = words[0]!;
    const tail = words[1]!;
    const missing = 8 - head.length - tail.length;
    // "::" stands for at least one zero group.
    if (missing < 1) return null;
    all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Parses an address without prefix length or zone index; null when it is not one. */
export function parseAddress(text: string): ParsedAddress | null {
  if (text.includes(":")) {
    const b = parseV6Bytes(text);
    return b ? { family: "ipv6", bytes: b } : null;
  }
  const b = parseV4Bytes(text);
  return b ? { family: "ipv4", bytes: b } : null;
}

export function familyOf(text: string): Family | null {
  return parseAddress(text)?.family ?? null;
}

export function formatBytes(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  // RFC 5952 section 5: IPv4-mapped addresses are written with the dotted quad.
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // RFC 5952 section 4.2: compress the longest run (>= 2) of zero groups, the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = w.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** Canonical text (dotted quad; compressed lowercase IPv6 per RFC 5952), or null if not an address. */
export function canonical(text: string): string | null {
  const p = parseAddress(text);
  return p ? formatBytes(p.bytes) : null;
}

function inV4(b: Uint8Array, net: [number, number, number, number], len: number): boolean {
  for (let bit = 0; bit < len; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((b[byte]! & mask) !== (net[byte]! & mask)) return false;
  }
  return true;
}

function prefixMatch(b: Uint8Array, net: Uint8Array, len: number): boolean {
  for (let bit = 0; bit < len; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((b[byte]! & mask) !== (net[byte]! & mask)) return false;
  }
  return true;
}

const V4_TABLE: [[number, number, number, number], number, AddressClass][] = [
  [[0, 0, 0, 0], 32, "unspecified"],
  [[0, 0, 0, 0], 8, "this-network"],
  [[10, 0, 0, 0], 8, "private"],
  [[100, 64, 0, 0], 10, "cgnat"],
  [[127, 0, 0, 0], 8, "loopback"],
  [[169, 254, 0, 0], 16, "link-local"],
  [[172, 16, 0, 0], 12, "private"],
  [[192, 0, 0, 0], 24, "reserved"], // IETF protocol assignments
  [[192, 0, 2, 0], 24, "documentation"],
  [[192, 88, 99, 0], 24, "reserved"], // deprecated 6to4 relay anycast (RFC 7526)
  [[192, 168, 0, 0], 16, "private"],
  [[198, 18, 0, 0], 15, "benchmarking"],
  [[198, 51, 100, 0], 24, "documentation"],
  [[203, 0, 113, 0], 24, "documentation"],
  [[224, 0, 0, 0], 4, "multicast"],
  [[255, 255, 255, 255], 32, "broadcast"],
  [[240, 0, 0, 0], 4, "reserved"],
];

function classifyV4(b: Uint8Array): AddressClass {
  for (const [net, len, cls] of V4_TABLE) if (inV4(b, net, len)) return cls;
  return "global";
}

function v6(text: string): Uint8Array {
  const b = parseV6Bytes(text);
  if (!b) throw new Error(`bad table entry ${text}`);
  return b;
}

// Order matters: the first match wins, so the narrower ranges come first. Built on
// first use: a run that classifies no IPv6 address (most no-ops) never parses it.
let v6Table: [Uint8Array, number, AddressClass][] | undefined;
const V6_TABLE = (): [Uint8Array, number, AddressClass][] => (v6Table ??= [
  [v6("::"), 128, "unspecified"],
  [v6("::1"), 128, "loopback"],
  [v6("::ffff:0:0"), 96, "ipv4-mapped"],
  [v6("64:ff9b::"), 96, "nat64"],
  [v6("64:ff9b:1::"), 48, "nat64"],
  [v6("2001::"), 32, "teredo"],
  [v6("2001:2::"), 48, "benchmarking"],
  [v6("2001:db8::"), 32, "documentation"],
  [v6("2001::"), 23, "reserved"], // IETF protocol assignments (ORCHID, AMT...)
  [v6("2002::"), 16, "6to4"],
  [v6("3fff::"), 20, "documentation"], // RFC 9637
  [v6("2000::"), 3, "global"],
  [v6("fc00::"), 7, "ula"],
  [v6("fe80::"), 10, "link-local"],
  [v6("fec0::"), 10, "site-local"],
  [v6("ff00::"), 8, "multicast"],
]);

function classifyV6(b: Uint8Array): AddressClass {
  for (const [net, len, cls] of V6_TABLE()) if (prefixMatch(b, net, len)) return cls;
  // Outside 2000::/3 nothing is assigned as global unicast (::/8, 100::/64, 5f00::/16...).
  return "reserved";
}

/** What kind of address `text` is, for the family asked (another family's address is "invalid"). */
export function classify(text: string, family: Family): AddressClass {
  const p = parseAddress(text);
  if (!p || p.family !== family) return "invalid";
  return family === "ipv4" ? classifyV4(p.bytes) : classifyV6(p.bytes);
}

export function isGlobalUnicast(text: string): boolean {
  const f = familyOf(text);
  return f !== null && classify(text, f) === "global";
}

/** Whether an address of class `cls` may be published (accept_private widens it). */
export function isAcceptable(cls: AddressClass, acceptPrivate: boolean): boolean {
  if (cls === "global") return true;
  return acceptPrivate && !NEVER_ACCEPTED.has(cls);
}

export interface Screened {
  /** Canonical, deduplicated, in input order. */
  accepted: string[];
  /** Human-readable "ADDRESS (class)" for each refused candidate. */
  refused: string[];
}

/**
 * Canonicalises, deduplicates and sanity-checks candidate addresses of one family.
 * `check = false` (static source) only canonicalises and drops what does not parse.
 */
export function screen(candidates: Iterable<string>, family: Family, opts: { acceptPrivate: boolean; check: boolean }): Screened {
  const accepted: string[] = [];
  const refused: string[] = [];
  const seen = new Set<string>();
  for (const raw of candidates) {
    const p = parseAddress(raw);
    if (!p || p.family !== family) {
      refused.push(`${printable(raw)} (not an ${family === "ipv4" ? "IPv4" : "IPv6"} address)`);
      continue;
    }
    const text = formatBytes(p.bytes);
    if (seen.has(text)) continue;
    seen.add(text);
    if (opts.check) {
      const cls = family === "ipv4" ? classifyV4(p.bytes) : classifyV6(p.bytes);
      if (!isAcceptable(cls, opts.acceptPrivate)) {
        refused.push(`${text} (${cls})`);
        continue;
      }
    }
    accepted.push(text);
  }
  return { accepted, refused };
}

/** A short, log-safe rendering of untrusted text (control characters escaped, length capped). */
export function printable(text: string, max = 64): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  // JSON leaves DEL, the C1 controls (0x9b starts a terminal escape) and the Unicode
  // line separators as they are: escape them too, so a name cannot forge a log line.
  return JSON.stringify(cut)
    .slice(1, -1)
    .replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
