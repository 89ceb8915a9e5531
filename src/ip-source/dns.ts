/**
 * The `dns` source: ask a resolver that answers with the asker's address, such as
 * OpenDNS for `myip.opendns.com`. Raw DNS over UDP with node:dgram: the system
 * resolver is never involved (it may be the very thing that is wrong).
 *
 * Each configured server (an IP literal, optionally with a port: `192.0.2.1:5353`,
 * `[2001:db8::1]:53`) is asked in order; the first sane answer wins. A query carries
 * a random id; a reply is accepted only from the server's address and port (the
 * socket is connected), with the same id, the QR bit and our question; anything else
 * is ignored until the deadline (each server gets an equal share of timeout_ms).
 * Truncated (TC) replies, error rcodes and malformed records make that server
 * unavailable; there is no TCP fallback. Replies over 4 KiB are ignored.
 *
 * The resolver sees the transport's address, so servers for the ipv6 family should
 * be IPv6 addresses and the ipv4 family's IPv4 addresses (the defaults are).
 */
import { createSocket, type Socket, type SocketType } from "node:dgram";
import { randomInt } from "node:crypto";
import type { FamilyConfig } from "../config/types.js";
import type { Detection, Family, IpSource } from "./types.js";
import { formatBytes, parseAddress, printable, screen } from "./sanity.js";

export type UdpSocketFactory = (type: SocketType) => Socket;

export const DEFAULT_DNS_NAME = "myip.opendns.com";
export const DEFAULT_DNS_SERVERS: Record<Family, readonly string[]> = {
  ipv4: ["208.67.222.222", "208.67.220.220"],
  ipv6: ["2620:119:35::35", "2620:119:53::53"],
};
export const MAX_DNS_MESSAGE = 4096;

const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;
const CLASS_IN = 1;
const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

export interface DnsServer {
  address: string;
  port: number;
  type: SocketType;
}

/** `IP`, `IPv4:PORT` or `[IPv6]:PORT`; null when it is not an IP literal. */
export function parseServer(text: string): DnsServer | null {
  let host = text;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(text);
  const v4port = /^([0-9.]+):([0-9]{1,5})$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (v4port) {
    host = v4port[1]!;
    port = Number(v4port[2]);
  }
  const p = parseAddress(host);
  if (!p || port < 1 || port > 65535) return null;
  return { address: formatBytes(p.bytes), port, type: p.family === "ipv4" ? "udp4" : "udp6" };
}

/** Encodes a query name; null when it is not a valid host name. */
export function encodeName(name: string): Buffer | null {
  const trimmed = name.endsWith(".") ? name.slice(0, -1) : name;
  if (trimmed === "" || trimmed.length > 253) return null;
  const parts: Buffer[] = [];
  for (const label of trimmed.split(".")) {
    if (!/^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label)) return null;
    parts.push(Buffer.from([label.length]), Buffer.from(label, "ascii"));
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function buildQuery(id: number, qname: Buffer, qtype: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, qname, tail]);
}

class Malformed extends Error {}

/** Reads a (possibly compressed) name at `off`; returns it lowercased and the offset after it. */
function readName(msg: Buffer, off: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  let pos = off;
  let jumps = 0;
  let length = 0;
  for (;;) {
    if (pos >= msg.length) throw new Malformed("name runs past the end");
    const len = msg[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) throw new Malformed("pointer runs past the end");
      if (++jumps > 32) throw new Malformed("compression loop");
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    if (len & 0xc0) throw new Malformed("bad label type");
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if (pos + 1 + len > msg.length) throw new Malformed("label runs past the end");
    length += len + 1;
    if (length > 255) throw new Malformed("name too long");
    labels.push(msg.toString("latin1", pos + 1, pos + 1 + len).toLowerCase());
    pos += 1 + len;
  }
  return { name: labels.join("."), next };
}

export type ReplyCheck =
  | { kind: "ignore" } // not a reply to our query: keep waiting
  | { kind: "error"; reason: string }
  | { kind: "answer"; addresses: string[] };

/** Checks a datagram against our query (id, QR, question) and extracts the addresses. */
export function checkReply(msg: Buffer, id: number, qname: string, qtype: number): ReplyCheck {
  if (msg.length < 12 || msg.length > MAX_DNS_MESSAGE) return { kind: "ignore" };
  if (msg.readUInt16BE(0) !== id) return { kind: "ignore" };
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return { kind: "ignore" };
  if (msg.readUInt16BE(4) !== 1) return { kind: "ignore" };
  try {
    const q = readName(msg, 12);
    if (q.next + 4 > msg.length) return { kind: "ignore" };
    if (q.name !== qname || msg.readUInt16BE(q.next) !== qtype || msg.readUInt16BE(q.next + 2) !== CLASS_IN) return { kind: "ignore" };
    if (flags & 0x0200) return { kind: "error", reason: "the answer was truncated (TC)" };
    const rcode = flags & 0x000f;
    if (rcode !== 0) return { kind: "error", reason: `the server answered ${RCODES[rcode] ?? `rcode ${rcode}`}` };
    const ancount = msg.readUInt16BE(6);
    // Owners we accept: the name asked and the targets of its CNAME chain.
    const owners = new Set([qname]);
    const found: string[] = [];
    let pos = q.next + 4;
    for (let i = 0; i < ancount; i++) {
      const owner = readName(msg, pos);
      pos = owner.next;
      if (pos + 10 > msg.length) throw new Malformed("record header runs past the end");
      const type = msg.readUInt16BE(pos);
      const klass = msg.readUInt16BE(pos + 2);
      const rdlen = msg.readUInt16BE(pos + 8);
      const rdata = pos + 10;
      if (rdata + rdlen > msg.length) throw new Malformed("record data runs past the end");
      pos = rdata + rdlen;
      if (klass !== CLASS_IN || !owners.has(owner.name)) continue;
      if (type === TYPE_CNAME) owners.add(readName(msg, rdata).name);
      else if (type === qtype && rdlen === (qtype === TYPE_A ? 4 : 16)) found.push(formatBytes(msg.subarray(rdata, rdata + rdlen)));
    }
    if (found.length === 0) return { kind: "error", reason: "the answer holds no address" };
    return { kind: "answer", addresses: found };
  } catch (e) {
    if (e instanceof Malformed) return { kind: "error", reason: `malformed answer (${e.message})` };
    throw e;
  }
}

function ask(udp: UdpSocketFactory, server: DnsServer, query: Buffer, check: (m: Buffer) => ReplyCheck, signal: AbortSignal): Promise<ReplyCheck> {
  return new Promise((resolve) => {
    let sock: Socket;
    try {
      sock = udp(server.type);
    } catch (e) {
      resolve({ kind: "error", reason: `cannot open a ${server.type} socket: ${(e as Error).message}` });
      return;
    }
    let done = false;
    const finish = (r: ReplyCheck): void => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      try {
        sock.close();
      } catch {
        // already closed
      }
      resolve(r);
    };
    const onAbort = (): void => finish({ kind: "error", reason: "no answer in time" });
    signal.addEventListener("abort", onAbort, { once: true });
    sock.on("error", (e: NodeJS.ErrnoException) => finish({ kind: "error", reason: `${e.code ?? e.message}` }));
    sock.on("message", (msg, rinfo) => {
      if (rinfo.port !== server.port || parseAddress(rinfo.address) === null || formatBytes(parseAddress(rinfo.address)!.bytes) !== server.address) return;
      const r = check(msg);
      if (r.kind !== "ignore") finish(r);
    });
    if (signal.aborted) return onAbort();
    sock.connect(server.port, server.address, () => {
      if (done) return;
      sock.send(query, (err) => {
        if (err) finish({ kind: "error", reason: `cannot send: ${(err as NodeJS.ErrnoException).code ?? err.message}` });
      });
    });
  });
}

export function createDnsSource(cfg: FamilyConfig, deps: { udp?: UdpSocketFactory }): IpSource {
  const udp = deps.udp ?? ((type: SocketType) => createSocket(type));
  return {
    name: "dns",
    async detect(family: Family, signal: AbortSignal): Promise<Detection> {
      const unavailable = (reason: string): Detection => ({ kind: "unavailable", source: "dns", reason });
      const name = (cfg.dnsName === "" ? DEFAULT_DNS_NAME : cfg.dnsName).toLowerCase().replace(/\.$/, "");
      const qname = encodeName(name);
      if (!qname) return unavailable(`"${printable(name)}" is not a valid DNS name`);
      const servers = cfg.dnsServers.length > 0 ? cfg.dnsServers : DEFAULT_DNS_SERVERS[family];
      const qtype = family === "ipv4" ? TYPE_A : TYPE_AAAA;
      const share = Math.max(100, Math.floor(cfg.timeoutMs / servers.length));
      const reasons: string[] = [];
      for (const text of servers) {
        if (signal.aborted) break;
        const server = parseServer(text);
        if (!server) {
          reasons.push(`${printable(text)}: not an IP address (the dns source never uses the system resolver)`);
          continue;
        }
        const id = randomInt(0, 0x10000);
        const r = await ask(udp, server, buildQuery(id, qname, qtype), (m) => checkReply(m, id, name, qtype), AbortSignal.any([signal, AbortSignal.timeout(share)]));
        if (r.kind === "error") {
          reasons.push(`${text}: ${r.reason}`);
          continue;
        }
        if (r.kind !== "answer") continue;
        const { accepted, refused } = screen(r.addresses, family, { acceptPrivate: cfg.acceptPrivate, check: true });
        if (accepted.length > 0) return { kind: "found", source: "dns", addresses: accepted };
        reasons.push(`${text}: refused ${refused.join(", ")}`);
      }
      return unavailable(reasons.length > 0 ? reasons.join("; ") : "aborted");
    },
  };
}
