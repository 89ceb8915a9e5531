import { HEAD_LIMIT, HEADER_COUNT_LIMIT, type HeadResult, type RequestHead } from "./types.js";

/**
 * A deliberately small HTTP/1.x request-head parser (RFC 9112 section 2-5) for the
 * one request a router sends. It refuses rather than guesses: obsolete line folding,
 * a repeated header, control characters, an announced body and anything that is not
 * GET are refused. Bare LF line ends are accepted (RFC 9112 2.2 allows it).
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, space and tab; no other control character, no byte >= 0x7f.
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
// origin-form: "/" then visible ASCII without "#".
const ORIGIN_FORM = /^\/[\x21-\x22\x24-\x7e]*$/;

/** Where the head ends in `buf` (index just past the blank line), or -1 when not yet. */
export function headEnd(buf: Buffer): number {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** Parses a complete head (request line, headers, blank line). */
export function parseHead(raw: Buffer): HeadResult {
  if (raw.length > HEAD_LIMIT) return refused("too-large", `request head over ${HEAD_LIMIT} bytes`);
  const text = raw.toString("latin1");
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  // The blank line that ends the head leaves two empty strings at the end.
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const requestLine = lines.shift();
  if (requestLine === undefined) return refused("malformed", "empty request");
  const parts = requestLine.split(" ");
  if (parts.length !== 3) return refused("malformed", "request line is not METHOD TARGET VERSION");
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return refused("malformed", "bad method");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    return /^HTTP\/\d\.\d$/.test(version) ? refused("version", "unsupported HTTP version") : refused("malformed", "bad HTTP version");
  }
  if (!ORIGIN_FORM.test(target)) return refused("malformed", "request target is not a path");
  if (lines.length > HEADER_COUNT_LIMIT) return refused("too-large", `more than ${HEADER_COUNT_LIMIT} header lines`);

  const headers = new Map<string, string>();
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t")) return refused("malformed", "obsolete header line folding");
    const colon = line.indexOf(":");
    if (colon <= 0) return refused("malformed", "header line without a name");
    const name = line.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name)) return refused("malformed", "bad header name");
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) return refused("malformed", `control character in header ${name}`);
    if (headers.has(name)) return refused("malformed", `repeated header ${name}`);
    headers.set(name, value);
  }
  if (version === "HTTP/1.1" && !headers.has("host")) return refused("malformed", "HTTP/1.1 request without Host");
  if (headers.has("transfer-encoding")) return refused("body", "request body announced");
  const length = headers.get("content-length");
  if (length !== undefined && length !== "0") {
    return /^\d+$/.test(length) ? refused("body", "request body announced") : refused("malformed", "bad Content-Length");
  }
  if (method !== "GET") return refused("method", `method ${method} not allowed`);

  const q = target.indexOf("?");
  const head: RequestHead = {
    method,
    path: q < 0 ? target : target.slice(0, q),
    query: q < 0 ? "" : target.slice(q + 1),
    version,
    headers,
  };
  return { kind: "head", head };
}

function refused(problem: Exclude<HeadResult, { kind: "head" }>["problem"], detail: string): HeadResult {
  return { kind: "refused", problem, detail };
}
