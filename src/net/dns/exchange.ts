/**
 * One DNS request/answer exchange with one server, over UDP (TCP when the answer is
 * truncated) or over TCP only. The DNS counterpart of src/net/http.ts: the only
 * place ddns opens DNS sockets (the `dns` source, the rfc2136 provider).
 *
 * - The server is an IP literal: nothing here resolves a name.
 * - UDP: a connected socket (the kernel drops datagrams from other peers, and
 *   ICMP port-unreachable becomes ECONNREFUSED); answers with another ID are
 *   ignored; the request is sent again every 2 s until the deadline (an UPDATE that
 *   replaces an RRset is idempotent, so a duplicate does no harm).
 * - TCP: RFC 1035 §4.2.2 two-byte length prefix.
 * - Rejects with DdnsError NET_TIMEOUT, NET_REFUSED, NET_ABORTED, NET_PROTOCOL or
 *   NET_OTHER; messages name the server, never the message content.
 */
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { randomInt } from "node:crypto";
import { DdnsError } from "../../errors.js";
import { formatServer, type DnsServer } from "./server.js";
import { asksFor, buildQuery, parseMessage, WireError, type ParsedMessage } from "./message.js";

export interface ExchangeOptions {
  /** TCP only (else UDP first). */
  tcp: boolean;
  deadlineMs: number;
  signal: AbortSignal;
  /** Send the UDP request again this often until the deadline; 0: once. Default 2000 ms (idempotent UPDATEs). */
  resendMs?: number;
  /** On a truncated UDP answer: ask again over TCP (default), or hand the truncated answer back. */
  onTruncated?: "tcp" | "return";
  /** Further check of an answer with our ID: over UDP one that fails is ignored like a stray datagram; over TCP it is an error. */
  accepts?: (answer: Buffer) => boolean;
}

export { formatServer, parseServer, type DnsServer } from "./server.js";

const RESEND_MS = 2000;
const MAX_TCP_ANSWER = 65535;
/** UDP answers larger than this are ignored (ddns sends no EDNS, so a server may send 512). */
export const MAX_UDP_ANSWER = 4096;

function netError(e: unknown, server: DnsServer): DdnsError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = formatServer(server);
  if (code === "ECONNREFUSED") return new DdnsError("NET_REFUSED", `${where} refused the connection`, { cause: e });
  return new DdnsError("NET_OTHER", `talking to ${where} failed (${code ?? "error"})`, { cause: e });
}

/** Sends `request` and resolves with the first answer carrying its ID. */
export async function exchange(server: DnsServer, request: Buffer, opts: ExchangeOptions): Promise<Buffer> {
  if (!opts.tcp) {
    const answer = await exchangeUdp(server, request, opts);
    // TC bit: the answer did not fit; ask again over TCP (RFC 1035 §4.2.1).
    if ((answer.readUInt16BE(2) & 0x0200) === 0 || opts.onTruncated === "return") return answer;
  }
  return exchangeTcp(server, request, opts);
}

function guard<T>(server: DnsServer, opts: ExchangeOptions, body: (done: (e: Error | null, v?: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cleanup: () => void = () => undefined;
    let settled = false;
    const done = (e: Error | null, v?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener("abort", onAbort);
      cleanup();
      if (e) reject(e);
      else resolve(v as T);
    };
    const onAbort = (): void => done(new DdnsError("NET_ABORTED", `the exchange with ${formatServer(server)} was aborted`));
    const timer = setTimeout(
      () => done(new DdnsError("NET_TIMEOUT", `${formatServer(server)} did not answer within ${Math.round(opts.deadlineMs / 1000)} s`)),
      opts.deadlineMs,
    );
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener("abort", onAbort, { once: true });
    cleanup = body(done);
  });
}

function exchangeUdp(server: DnsServer, request: Buffer, opts: ExchangeOptions): Promise<Buffer> {
  const id = request.readUInt16BE(0);
  return guard<Buffer>(server, opts, (done) => {
    const sock = createSocket(server.host.includes(":") ? "udp6" : "udp4");
    let resend: NodeJS.Timeout | undefined;
    const send = (): void => {
      sock.send(request, (e) => {
        if (e) done(netError(e, server));
      });
    };
    sock.on("error", (e) => done(netError(e, server)));
    // Only an answer (QR set) with our ID and a sane size counts; anything else is
    // ignored until the deadline (the socket is connected: other peers are dropped).
    sock.on("message", (msg) => {
      if (msg.length < 12 || msg.length > MAX_UDP_ANSWER || msg.readUInt16BE(0) !== id || (msg[2]! & 0x80) === 0) return;
      if (opts.accepts === undefined || opts.accepts(msg)) done(null, msg);
    });
    // Node calls this with the error when the connect fails (ENETUNREACH: no route, an
    // offline namespace); sending on the unconnected socket would then throw.
    sock.connect(server.port, server.host, (...args: unknown[]) => {
      if (args[0] instanceof Error) return done(netError(args[0], server));
      send();
      const every = opts.resendMs ?? RESEND_MS;
      if (every > 0) resend = setInterval(send, every);
    });
    return () => {
      clearInterval(resend);
      sock.close();
    };
  });
}

function exchangeTcp(server: DnsServer, request: Buffer, opts: ExchangeOptions): Promise<Buffer> {
  return guard<Buffer>(server, opts, (done) => {
    const sock = connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    let have = 0;
    sock.on("connect", () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(request.length, 0);
      sock.write(Buffer.concat([len, request]));
    });
    sock.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.length;
      if (have > MAX_TCP_ANSWER + 2) return done(new DdnsError("NET_TOO_LARGE", `${formatServer(server)} sent too much`));
      if (have < 2) return;
      const all = Buffer.concat(chunks);
      const want = all.readUInt16BE(0);
      if (all.length < 2 + want) return;
      const answer = all.subarray(2, 2 + want);
      if (want < 12 || answer.readUInt16BE(0) !== request.readUInt16BE(0) || (answer[2]! & 0x80) === 0 || opts.accepts?.(answer) === false) {
        return done(new DdnsError("NET_PROTOCOL", `${formatServer(server)} sent an answer that does not match the request`));
      }
      done(null, answer);
    });
    sock.on("end", () => done(new DdnsError("NET_PROTOCOL", `${formatServer(server)} closed the TCP connection without a whole answer`)));
    sock.on("error", (e) => done(netError(e, server)));
    return () => sock.destroy();
  });
}

export interface QueryOptions {
  deadlineMs: number;
  signal: AbortSignal;
  /** RD bit: true for a resolver, false for an authoritative server. */
  recursion: boolean;
  /** As in ExchangeOptions; a query is sent once by default. */
  resendMs?: number;
  onTruncated?: "tcp" | "return";
}

/**
 * Asks `server` one question (name, type, class IN) with a random ID and returns the
 * parsed answer. Only a datagram that answers this very question is taken (ID, QR,
 * and the question echoed); others are ignored until the deadline. Rejects with the
 * exchange's DdnsError, or a WireError for an answer that does not parse. The
 * answer's RCODE, AA and TC bits are the caller's to judge.
 */
export async function query(server: DnsServer, name: string, qtype: number, opts: QueryOptions): Promise<{ message: ParsedMessage; wire: Buffer }> {
  const request = buildQuery(randomInt(0x10000), name, qtype, opts.recursion);
  const echoes = (answer: Buffer): boolean => {
    try {
      return asksFor(parseQuestion(answer), name, qtype);
    } catch (e) {
      if (e instanceof WireError) return false;
      throw e;
    }
  };
  const wire = await exchange(server, request, {
    tcp: false,
    deadlineMs: opts.deadlineMs,
    signal: opts.signal,
    resendMs: opts.resendMs ?? 0,
    onTruncated: opts.onTruncated ?? "tcp",
    accepts: echoes,
  });
  return { message: parseMessage(wire), wire };
}

/** The header and question of a message, without reading its records (which may be malformed: the caller's to report). */
function parseQuestion(answer: Buffer): ParsedMessage {
  const head = Buffer.from(answer);
  head.writeUInt32BE(0, 6);
  head.writeUInt16BE(0, 10);
  return parseMessage(head);
}
