/**
 * One UDP question to one peer, retried on a schedule, with a hard size cap on what
 * is read. The socket is connected to the peer, so the kernel delivers only datagrams
 * from that address and port (a LAN host cannot answer in the router's name without
 * spoofing its address), and an ICMP "port unreachable" ends the wait at once
 * (ECONNREFUSED) instead of after the whole schedule.
 */
import { createSocket } from "node:dgram";

export interface UdpAsk<T> {
  host: string;
  port: number;
  /** Builds the request; `local` is the socket's own address (PCP needs it in the request). */
  request(local: { address: string; port: number }): Buffer;
  /** Delays between sends, ms (RFC 6886 section 3.1: 250 ms, doubling); the last one is the final wait. */
  schedule: readonly number[];
  /** An answer that belongs to this question, or undefined to keep waiting. */
  accept(answer: Buffer): T | undefined;
  /** Answers longer than this are ignored unread. */
  maxBytes: number;
  signal: AbortSignal;
}

export type UdpResult<T> = { kind: "answer"; value: T; ms: number } | { kind: "silent"; reason: string; ms: number };

export function askUdp<T>(q: UdpAsk<T>): Promise<UdpResult<T>> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = createSocket({ type: "udp4", recvBufferSize: 64 * 1024 });
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (r: UdpResult<T>): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      q.signal.removeEventListener("abort", onAbort);
      socket.close();
      resolve(r);
    };
    const onAbort = (): void => finish({ kind: "silent", reason: "out of time", ms: ms() });
    if (q.signal.aborted) return onAbort();
    q.signal.addEventListener("abort", onAbort, { once: true });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "ECONNREFUSED" ? "nothing listens there (ICMP port unreachable)" : e.code === "ENETUNREACH" || e.code === "EHOSTUNREACH" ? "unreachable" : (e.code ?? e.message);
      finish({ kind: "silent", reason: why, ms: ms() });
    });
    socket.on("message", (msg) => {
      if (msg.length > q.maxBytes) return;
      const v = q.accept(msg);
      if (v !== undefined) finish({ kind: "answer", value: v, ms: ms() });
    });
    socket.connect(q.port, q.host, () => {
      if (done) return;
      const local = socket.address();
      const payload = q.request({ address: local.address, port: local.port });
      let n = 0;
      const send = (): void => {
        if (done) return;
        socket.send(payload, (e) => {
          if (e) finish({ kind: "silent", reason: (e as NodeJS.ErrnoException).code ?? e.message, ms: ms() });
        });
        const wait = q.schedule[n++];
        if (wait === undefined) return;
        timer = setTimeout(n < q.schedule.length ? send : () => finish({ kind: "silent", reason: `no answer in ${ms()} ms`, ms: ms() }), wait);
      };
      send();
    });
  });
}
