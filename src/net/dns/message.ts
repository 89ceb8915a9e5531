/**
 * The DNS wire format (RFC 1035 §4), as much as ddns needs: names, resource records,
 * the header, queries, and a reader for answers. Used by the `dns` address source
 * (src/ip-source/dns.ts), the rfc2136 provider (UPDATE + TSIG) and any later DNS
 * reader; src/net/dns/exchange.ts carries the messages.
 *
 * Written here rather than taken from a library: what ddns needs is ~200 lines, the
 * npm DNS packages (dns-packet, native-dns-packet) are larger than that, unmaintained
 * for years or without TSIG, and every dependency ends up in the Debian package.
 * Names are written uncompressed (always allowed); the reader follows compression
 * pointers because servers may use them.
 */

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, AAAA: 28, ANY: 255, TSIG: 250 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE_QUERY = 0;
export const OPCODE_UPDATE = 5;

/** RCODE names (RFC 1035, RFC 2136, RFC 8945 for the extended TSIG errors). */
export const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: "NOERROR",
  1: "FORMERR",
  2: "SERVFAIL",
  3: "NXDOMAIN",
  4: "NOTIMP",
  5: "REFUSED",
  6: "YXDOMAIN",
  7: "YXRRSET",
  8: "NXRRSET",
  9: "NOTAUTH",
  10: "NOTZONE",
  16: "BADSIG",
  17: "BADKEY",
  18: "BADTIME",
  22: "BADTRUNC",
};

export function rcodeName(code: number): string {
  return RCODE_NAMES[code] ?? `RCODE${code}`;
}

/** Thrown by the reader for a message that does not parse. */
export class WireError extends Error {
  override name = "WireError";
}

/** Lower-case, no trailing dot, "" for the root. */
export function canonicalName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith(".") ? n.slice(0, -1) : n;
}

/** Wire form of a name, uncompressed; lower-cased when `canonical`. */
export function encodeName(name: string, canonical = false): Buffer {
  const n = canonical ? canonicalName(name) : name.endsWith(".") ? name.slice(0, -1) : name;
  const parts: Buffer[] = [];
  let total = 1;
  if (n !== "") {
    for (const label of n.split(".")) {
      const bytes = Buffer.from(label, "ascii");
      if (bytes.length === 0 || bytes.length > 63) throw new WireError(`invalid DNS name "${name}"`);
      parts.push(Buffer.from([bytes.length]), bytes);
      total += 1 + bytes.length;
    }
  }
  if (total > 255) throw new WireError(`DNS name too long: "${name}"`);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** The 4 or 16 bytes of an address in canonical text form; null when it is not one. */
export function addressBytes(address: string, family: "ipv4" | "ipv6"): Buffer | null {
  if (family === "ipv4") {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
    if (!m) return null;
    const octets = m.slice(1).map(Number);
    return octets.every((o) => o <= 255) ? Buffer.from(octets) : null;
  }
  let text = address;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
    const b = addressBytes(text.slice(lastColon + 1), "ipv4");
    if (!b) return null;
    text = `${text.slice(0, lastColon + 1)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string): number[] | null => {
    if (s === "") return [];
    const groups = s.split(":");
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? "");
  const rest = halves.length === 2 ? parse(halves[1] ?? "") : [];
  if (!head || !rest) return null;
  const known = head.length + rest.length;
  let groups: number[] = head;
  if (halves.length === 2) {
    if (known > 7) return null;
    groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest];
  }
  if (groups.length !== 8) return null;
  const buf = Buffer.alloc(16);
  groups.forEach((g, i) => buf.writeUInt16BE(g, i * 2));
  return buf;
}

/** Text form of A/AAAA rdata (IPv6 compressed like inet_ntop). */
export function addressText(rdata: Buffer): string {
  if (rdata.length === 4) return [...rdata].join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(rdata.readUInt16BE(i));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** One resource record in wire form (owner name uncompressed). */
export function encodeRR(name: string, type: number, cls: number, ttl: number, rdata: Buffer = Buffer.alloc(0)): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(cls, 2);
  fixed.writeUInt32BE(ttl >>> 0, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(name), fixed, rdata]);
}

export interface Header {
  id: number;
  qr: boolean;
  opcode: number;
  tc: boolean;
  rcode: number;
  counts: [number, number, number, number];
}

export function encodeHeader(h: Header): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(h.id, 0);
  b.writeUInt16BE((h.qr ? 0x8000 : 0) | ((h.opcode & 0xf) << 11) | (h.tc ? 0x0200 : 0) | (h.rcode & 0xf), 2);
  h.counts.forEach((c, i) => b.writeUInt16BE(c, 4 + i * 2));
  return b;
}

export interface ParsedRR {
  name: string;
  type: number;
  cls: number;
  ttl: number;
  /** Offset of the RR's first byte in the message. */
  start: number;
  rdataStart: number;
  rdata: Buffer;
}

export interface ParsedMessage {
  header: Header;
  /** Question/zone section: names and types only. */
  questions: { name: string; type: number; cls: number }[];
  /** Answer/prerequisite, authority/update, additional sections in order. */
  records: ParsedRR[][];
}

/** Reads a (possibly compressed) name at `offset`; returns it and the offset after it. */
export function readName(msg: Buffer, offset: number): [string, number] {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  let total = 1;
  for (let jumps = 0; ; ) {
    if (pos >= msg.length) throw new WireError("name runs past the end of the message");
    const len = msg[pos]!;
    if (len === 0) {
      pos += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) throw new WireError("truncated compression pointer");
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      if (++jumps > 64) throw new WireError("compression loop");
      continue;
    }
    if (len > 63) throw new WireError("invalid label length");
    if (pos + 1 + len > msg.length) throw new WireError("label runs past the end of the message");
    total += len + 1;
    if (total > 255) throw new WireError("name too long");
    labels.push(msg.toString("latin1", pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return [labels.join("."), end < 0 ? pos : end];
}

export function parseMessage(msg: Buffer): ParsedMessage {
  if (msg.length < 12) throw new WireError("message shorter than a DNS header");
  const flags = msg.readUInt16BE(2);
  const header: Header = {
    id: msg.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    tc: (flags & 0x0200) !== 0,
    rcode: flags & 0xf,
    counts: [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)],
  };
  let pos = 12;
  const questions: ParsedMessage["questions"] = [];
  for (let i = 0; i < header.counts[0]; i++) {
    const [name, next] = readName(msg, pos);
    if (next + 4 > msg.length) throw new WireError("truncated question");
    questions.push({ name, type: msg.readUInt16BE(next), cls: msg.readUInt16BE(next + 2) });
    pos = next + 4;
  }
  const records: ParsedRR[][] = [];
  for (let s = 1; s < 4; s++) {
    const section: ParsedRR[] = [];
    for (let i = 0; i < header.counts[s as 1 | 2 | 3]; i++) {
      const start = pos;
      const [name, next] = readName(msg, pos);
      if (next + 10 > msg.length) throw new WireError("truncated resource record");
      const rdlen = msg.readUInt16BE(next + 8);
      const rdataStart = next + 10;
      if (rdataStart + rdlen > msg.length) throw new WireError("resource record data runs past the end");
      section.push({
        name,
        type: msg.readUInt16BE(next),
        cls: msg.readUInt16BE(next + 2),
        ttl: msg.readUInt32BE(next + 4),
        start,
        rdataStart,
        rdata: msg.subarray(rdataStart, rdataStart + rdlen),
      });
      pos = rdataStart + rdlen;
    }
    records.push(section);
  }
  return { header, questions, records };
}

/**
 * Whether `name` is a host name a query may carry: LDH labels (and `_`) of 1-63
 * characters, at most 253 in all, an optional trailing dot. Stricter than
 * encodeName, which also writes the owner names an UPDATE needs.
 */
export function isHostName(name: string): boolean {
  const n = name.endsWith(".") ? name.slice(0, -1) : name;
  if (n === "" || n.length > 253) return false;
  return n.split(".").every((label) => /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label));
}

/** A standard query for one name and type; RD set when `recursion` (a resolver), clear for an authoritative server. */
export function buildQuery(id: number, name: string, qtype: number, recursion: boolean): Buffer {
  const flags = recursion ? 0x0100 : 0;
  const header = encodeHeader({ id, qr: false, opcode: OPCODE_QUERY, tc: false, rcode: 0, counts: [1, 0, 0, 0] });
  header.writeUInt16BE(header.readUInt16BE(2) | flags, 2);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(CLASS.IN, 2);
  return Buffer.concat([header, encodeName(name, true), tail]);
}

/** Whether the first question of `m` is (name, type, IN), names compared case-insensitively. */
export function asksFor(m: ParsedMessage, name: string, qtype: number): boolean {
  const q = m.questions[0];
  return m.questions.length === 1 && q !== undefined && canonicalName(q.name) === canonicalName(name) && q.type === qtype && q.cls === CLASS.IN;
}

/**
 * The A or AAAA addresses an answer section gives for `name`, following its CNAME
 * chain: records whose owner is neither the name nor a target of the chain are
 * ignored (a resolver must not smuggle in addresses for other names).
 */
export function answerAddresses(m: ParsedMessage, msg: Buffer, name: string, qtype: number): string[] {
  const owners = new Set([canonicalName(name)]);
  const found: string[] = [];
  for (const rr of m.records[0] ?? []) {
    if (rr.cls !== CLASS.IN || !owners.has(canonicalName(rr.name))) continue;
    if (rr.type === TYPE.CNAME) owners.add(canonicalName(readName(msg, rr.rdataStart)[0]));
    else if (rr.type === qtype && rr.rdata.length === (qtype === TYPE.A ? 4 : 16)) found.push(addressText(rr.rdata));
  }
  return found;
}
