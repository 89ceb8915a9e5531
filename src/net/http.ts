import { request as plainRequest } from "node:http";
import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { isIP } from "node:net";
import { DdnsError, type ErrorCode } from "../errors.js";
import { expiryOf } from "./deadline.js";
import type { HttpClient, HttpRequest, HttpResponse } from "./types.js";

/**
 * The one HTTP client of ddns, on node:http / node:https (undici and fetch cost
 * 90-140 ms more per process start: notes/facts.md). One exchange per call, no
 * keep-alive (the process is short-lived), no redirects, a deadline on the whole
 * exchange and a cap on the body. See net/types.ts for the contract.
 */
export interface HttpClientOptions {
  /** Sent as User-Agent unless the request sets its own. */
  userAgent?: string;
  /** Extra trusted CA certificates (PEM) for https; replaces the default set. */
  ca?: string | Buffer;
}

export const DEFAULT_DEADLINE_MS = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

type RequestFn = (options: RequestOptions, cb: (res: IncomingMessage) => void) => ClientRequest;
// node:https pulls in tls and crypto: load it only when an https URL is asked for.
let httpsRequest: RequestFn | undefined;
async function requestFn(protocol: string): Promise<RequestFn> {
  if (protocol === "http:") return plainRequest;
  httpsRequest ??= (await import("node:https")).request as RequestFn;
  return httpsRequest;
}

export function createHttpClient(opts: HttpClientOptions = {}): HttpClient {
  return { request: (req) => exchange(req, opts) };
}

async function exchange(req: HttpRequest, opts: HttpClientOptions): Promise<HttpResponse> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new DdnsError("NET_OTHER", `${req.method}: the URL is not valid`);
  }
  // url.host never carries user:password@ or the query: safe to name.
  const what = `${req.method} ${url.host}`;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DdnsError("NET_OTHER", `${what}: only http and https URLs are supported`);
  }
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const literal = isIP(hostname);
  if (req.family !== undefined && literal !== 0 && literal !== req.family) {
    throw new DdnsError("NET_OTHER", `${what}: an IPv${literal} address cannot be reached over IPv${req.family}`);
  }
  if (req.signal?.aborted) throw new DdnsError("NET_ABORTED", `${what}: aborted`);
  const send = await requestFn(url.protocol);

  const headers: Record<string, string> = {};
  if (opts.userAgent !== undefined) headers["user-agent"] = opts.userAgent;
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
  const body = typeof req.body === "string" ? Buffer.from(req.body, "utf8") : req.body;
  if (body !== undefined) headers["content-length"] = String(body.byteLength);
  if (url.username !== "" && headers["authorization"] === undefined) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers["authorization"] = "Basic " + Buffer.from(`${user}:${pass}`).toString("base64");
  }

  const options: RequestOptions & { ca?: string | Buffer; servername?: string } = {
    method: req.method,
    protocol: url.protocol,
    hostname,
    port: url.port === "" ? undefined : Number(url.port),
    path: url.pathname + url.search,
    headers,
    agent: false, // a fresh connection, closed after the exchange
  };
  if (req.family !== undefined) options.family = req.family;
  if (url.protocol === "https:") {
    if (opts.ca !== undefined) options.ca = opts.ca;
    if (literal === 0) options.servername = hostname;
  }
  const deadlineMs = req.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const maxBody = req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    let cr: ClientRequest | undefined;
    const finish = (err: DdnsError | undefined, res?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (listening) req.signal?.removeEventListener("abort", onAbort);
      if (err !== undefined) {
        cr?.destroy();
        reject(err);
      } else if (res !== undefined) {
        resolve(res);
      }
    };
    const fail = (code: ErrorCode, text: string, cause?: unknown): void =>
      finish(new DdnsError(code, `${what}: ${text}`, cause === undefined ? undefined : { cause }));
    const onAbort = (): void => fail("NET_ABORTED", "aborted");
    // A run's deadline signal (net/deadline.ts) says when it fires: one timer covers
    // both limits and no abort listener is needed. Any other signal is listened to.
    const expiry = expiryOf(req.signal);
    const untilExpiry = expiry === undefined ? Infinity : Math.max(0, expiry - Date.now());
    const timer =
      untilExpiry < deadlineMs
        ? setTimeout(onAbort, untilExpiry)
        : setTimeout(() => fail("NET_TIMEOUT", `no complete answer within ${seconds(deadlineMs)}`), deadlineMs);
    const listening = expiry === undefined && req.signal !== undefined;
    if (listening) req.signal?.addEventListener("abort", onAbort, { once: true });

    try {
      cr = send(options, (res) => {
        const headers = flattenHeaders(res);
        const declared = Number(headers["content-length"]);
        if (Number.isFinite(declared) && declared > maxBody) {
          fail("NET_TOO_LARGE", `the answer is larger than ${maxBody} bytes`);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) {
            fail("NET_TOO_LARGE", `the answer is larger than ${maxBody} bytes`);
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", (e) => fail("NET_OTHER", "the connection closed before the answer was complete", e));
        res.on("aborted", () => fail("NET_OTHER", "the connection closed before the answer was complete"));
        res.on("end", () => {
          if (!res.complete) {
            fail("NET_OTHER", "the connection closed before the answer was complete");
            return;
          }
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers,
            // One chunk is the usual answer: no Buffer.concat (Node compiles it for this alone).
            body: (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString("utf8"),
          });
        });
      });
    } catch (e) {
      fail("NET_OTHER", "the request could not be sent", e);
      return;
    }
    cr.on("error", (e) => {
      const [code, text] = classify(e);
      fail(code, text, e);
    });
    cr.end(body);
  });
}

// Headers Node keeps the first of when an answer repeats them (IncomingMessage's
// own rule, for those of them ddns or a provider could read).
const SINGLE = new Set(["content-type", "content-length", "location", "retry-after", "etag", "last-modified", "server", "age", "expires", "authorization"]);

/**
 * From `rawHeaders`, not `res.headers`: the latter's first read runs Node's header
 * table (matchKnownFields and its helpers), JavaScript that V8 compiles in every
 * pushing run only for this (about 0.6 M instructions). Same result for what ddns reads:
 * lower-cased names, repeats joined with ", " (set-cookie too; cookie with "; "),
 * the first kept for the single-valued headers above.
 */
function flattenHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = (raw[i] as string).toLowerCase();
    if (k === "__proto__") continue;
    const v = raw[i + 1] as string;
    const had = out[k];
    if (had === undefined) out[k] = v;
    else if (!SINGLE.has(k)) out[k] = had + (k === "cookie" ? "; " : ", ") + v;
  }
  return out;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "EPROTO",
]);

/** Maps a socket-level error to a code and a sentence that names no URL part. */
function classify(e: unknown): [ErrorCode, string] {
  const code = (e as { code?: unknown }).code;
  const c = typeof code === "string" ? code : "";
  if (c === "ECONNREFUSED") return ["NET_REFUSED", "connection refused"];
  if (TLS_CODES.has(c) || c.startsWith("ERR_TLS_") || c.startsWith("ERR_SSL_") || c.includes("CERT")) {
    return ["NET_TLS", `TLS failed (${c}): the server's certificate or TLS setup is not trusted`];
  }
  if (c.startsWith("HPE_")) return ["NET_PROTOCOL", `the answer is not valid HTTP (${c})`];
  if (c === "ENOTFOUND" || c === "EAI_AGAIN" || c === "EAI_NODATA") return ["NET_OTHER", `the name could not be resolved (${c})`];
  if (c === "ECONNRESET") return ["NET_OTHER", "the connection was reset"];
  if (c === "ETIMEDOUT") return ["NET_TIMEOUT", "the connection timed out"];
  if (c === "EHOSTUNREACH" || c === "ENETUNREACH" || c === "EADDRNOTAVAIL") return ["NET_OTHER", `no route to the host (${c})`];
  return ["NET_OTHER", c === "" ? "the request failed" : `the request failed (${c})`];
}
