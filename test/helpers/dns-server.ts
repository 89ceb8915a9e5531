import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";

/**
 * A loopback UDP DNS responder for the dns ip-source. It parses the question of
 * each query and lets the test decide the answer (or silence), so that hostile
 * replies (wrong id, truncated, malformed) can be sent on purpose.
 */
export interface DnsQuery {
  id: number;
  flags: number;
  /** Lowercased, no trailing dot. */
  name: string;
  type: number;
  raw: Buffer;
  from: RemoteInfo;
}

export interface DnsRecord {
  /** Owner name; default the question's name. */
  name?: string;
  type: number;
  /** A: dotted quad; AAAA: 16 bytes; CNAME: a name; else raw bytes. */
  data: string | Buffer;
  ttl?: number;
}

export interface DnsReplyOptions {
  answers?: DnsRecord[];
  rcode?: number;
  tc?: boolean;
  /** Added to the query id (wrong id tests). */
  idDelta?: number;
  /** Replaces the question name. */
  questionName?: string;
  /** Sets the AA bit (an authoritative answer). */
  aa?: boolean;
}

export type DnsHandler = (q: DnsQuery) => Buffer | Buffer[] | null;

export interface DnsServer {
  /** "127.0.0.1:PORT" or "[::1]:PORT", as the config's dns servers take it. */
  address: string;
  port: number;
  queries: DnsQuery[];
  close(): Promise<void>;
}

export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.split(".").filter((l) => l !== "")) parts.push(Buffer.from([label.length]), Buffer.from(label, "ascii"));
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function rdataOf(r: DnsRecord): Buffer {
  if (Buffer.isBuffer(r.data)) return r.data;
  if (r.type === 1) return Buffer.from(r.data.split(".").map(Number));
  return encodeName(r.data);
}

/** A reply to `q` built as a real server would (the question echoed, answers uncompressed). */
export function reply(q: DnsQuery, o: DnsReplyOptions = {}): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE((q.id + (o.idDelta ?? 0)) & 0xffff, 0);
  header.writeUInt16BE(0x8000 | (q.flags & 0x0100) | 0x0080 | (o.aa ? 0x0400 : 0) | (o.tc ? 0x0200 : 0) | (o.rcode ?? 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(o.answers?.length ?? 0, 6);
  const qtail = Buffer.alloc(4);
  qtail.writeUInt16BE(q.type, 0);
  qtail.writeUInt16BE(1, 2);
  const parts = [header, encodeName(o.questionName ?? q.name), qtail];
  for (const a of o.answers ?? []) {
    const rdata = rdataOf(a);
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(a.type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(a.ttl ?? 0, 4);
    fixed.writeUInt16BE(rdata.length, 8);
    parts.push(encodeName(a.name ?? q.name), fixed, rdata);
  }
  return Buffer.concat(parts);
}

function parseQuery(raw: Buffer, from: RemoteInfo): DnsQuery | null {
  if (raw.length < 17) return null;
  const labels: string[] = [];
  let pos = 12;
  while (pos < raw.length && raw[pos] !== 0) {
    const len = raw[pos]!;
    labels.push(raw.toString("latin1", pos + 1, pos + 1 + len).toLowerCase());
    pos += 1 + len;
  }
  if (pos + 5 > raw.length) return null;
  return { id: raw.readUInt16BE(0), flags: raw.readUInt16BE(2), name: labels.join("."), type: raw.readUInt16BE(pos + 1), raw, from };
}

/** `host` is a loopback address (any 127.0.0.0/8 address binds without being configured); `port` 0 = a free one. */
export async function startDnsServer(host: string, handler: DnsHandler, port = 0): Promise<DnsServer> {
  const queries: DnsQuery[] = [];
  const sock: Socket = createSocket(host.includes(":") ? "udp6" : "udp4");
  sock.on("message", (raw, from) => {
    const q = parseQuery(raw, from);
    if (!q) return;
    queries.push(q);
    const out = handler(q);
    if (out === null) return;
    for (const m of Array.isArray(out) ? out : [out]) sock.send(m, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.bind(port, host, () => resolve());
  });
  const bound = (sock.address() as AddressInfo).port;
  return {
    address: host.includes(":") ? `[${host}]:${bound}` : `${host}:${bound}`,
    port: bound,
    queries,
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}
