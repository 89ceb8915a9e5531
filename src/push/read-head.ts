import type { Readable } from "node:stream";
import { headEnd } from "./http-head.js";
import { HEAD_LIMIT, type HeadProblem } from "./types.js";

export type ReadResult = { kind: "raw"; raw: Buffer } | { kind: "refused"; problem: HeadProblem; detail: string };

/**
 * Reads one request head from `input`: never more than HEAD_LIMIT bytes are kept,
 * and `signal` (the read deadline) cuts a slow sender off whatever it still sends.
 * Bytes after the head (a body, a pipelined request) are left unread.
 */
export function readHead(input: Readable, signal: AbortSignal): Promise<ReadResult> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const finish = (r: ReadResult): void => {
      input.off("data", onData);
      input.off("end", onEnd);
      input.off("error", onError);
      signal.removeEventListener("abort", onAbort);
      input.pause();
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      const from = Math.max(0, buf.length - 2);
      buf = Buffer.concat([buf, chunk]);
      const end = headEnd(buf.subarray(from));
      if (end >= 0 && from + end <= HEAD_LIMIT) return finish({ kind: "raw", raw: buf.subarray(0, from + end) });
      if (buf.length > HEAD_LIMIT) finish({ kind: "refused", problem: "too-large", detail: `request head over ${HEAD_LIMIT} bytes` });
    };
    const onEnd = (): void =>
      finish(
        buf.length === 0
          ? { kind: "refused", problem: "closed", detail: "connection closed before a request" }
          : { kind: "refused", problem: "malformed", detail: "connection closed inside the request head" },
      );
    const onError = (): void => finish({ kind: "refused", problem: "closed", detail: "connection error while reading" });
    const onAbort = (): void => finish({ kind: "refused", problem: "timeout", detail: "request head not complete within the read deadline" });
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort);
    input.on("data", onData);
    input.on("end", onEnd);
    input.on("error", onError);
  });
}
