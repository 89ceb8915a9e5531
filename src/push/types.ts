/**
 * The push receiver behind ddns-push.socket (issue 8). systemd accepts a connection
 * and starts one `ddns-push@.service` instance with the connection on stdin/stdout;
 * that process reads one HTTP/1.1 request, answers in dyndns2 words, writes at most
 * one event file per pushed name and exits. Nothing of it runs between connections.
 *
 * Contract:
 * - Reading is bounded: the request line plus headers may not pass `HEAD_LIMIT`
 *   bytes and must arrive within the read deadline; no request body is read.
 * - Every request gets exactly one answer; a secret is never echoed or logged.
 * - An event file is written (atomically) before `good` or `nochg` is answered: such
 *   an answer means the reconciler will see the address.
 */

/** Request line plus headers, bytes. Routers send well under 1 KiB. */
export const HEAD_LIMIT = 4096;
/** Header lines per request. */
export const HEADER_COUNT_LIMIT = 32;
/** Hostnames per request (dyndns2's own limit for `numhost`). */
export const HOSTNAME_LIMIT = 20;
/** Addresses per request (one family may carry several). */
export const ADDRESS_LIMIT = 8;
/** Read deadline for the whole head, ms (slowloris bound). */
export const READ_DEADLINE_MS = 5000;

/** One parsed HTTP/1.x request head. */
export interface RequestHead {
  method: string;
  /** The path part of the target, percent-decoding not applied. */
  path: string;
  /** The raw query string without "?" ("" when none). */
  query: string;
  version: "HTTP/1.0" | "HTTP/1.1";
  /** Lower-cased names; a repeated header is refused by the parser. */
  headers: Map<string, string>;
}

/** Why the head was refused before any policy ran; maps to one HTTP status. */
export type HeadProblem =
  | "malformed" // 400
  | "too-large" // 431
  | "method" // 405
  | "body" // 413: a request body was announced (we read none)
  | "version" // 505
  | "timeout" // 408
  | "closed"; // the peer went away: no answer possible

export type HeadResult = { kind: "head"; head: RequestHead } | { kind: "refused"; problem: HeadProblem; detail: string };

/** The dyndns2 words this receiver answers with (one per hostname, or one for the request). */
export type Word = "good" | "nochg" | "badauth" | "nohost" | "notfqdn" | "numhost" | "badip" | "abuse" | "911";

/** One update request after the URL was read (`/nic/update?hostname=..&myip=..`). */
export interface UpdateRequest {
  hostnames: string[];
  /** Addresses as sent (myip and myipv6, comma lists), not yet checked. */
  addresses: string[];
  /** Authorization header, parsed; secrets stay in memory only. */
  credentials: Credentials;
}

export type Credentials =
  | { kind: "none" }
  | { kind: "basic"; username: string; password: string }
  | { kind: "bearer"; token: string }
  | { kind: "unsupported" };

/** The last accepted push for one name, as kept in `<pushDir>/last-<name>` and in its event file. */
export interface PushRecord {
  name: string;
  ipv4: string[];
  ipv6: string[];
  /** epoch seconds */
  time: number;
  /** The sender's address ("local" for the Unix socket). */
  from: string;
}

/** What the receiver decided for one request: the answer and what to write. */
export interface Decision {
  status: number;
  /** Body lines, one per hostname in request order (or one line for the request). */
  lines: string[];
  /** Names to record (event file and last push), with the addresses pushed. */
  writes: PushRecord[];
  /** The names among `writes` whose addresses differ from their last push (logged). */
  changed: string[];
  /** Set when credentials were presented and did not match (counted per source). */
  authFailed: boolean;
  /** Ask the client for credentials (401 challenge): none were sent. */
  challenge: boolean;
  /** Sentences for the journal (no secret). */
  notes: string[];
}

/**
 * Says whether a pushed address may be used; returns a reason when not.
 * Wired to ip-source/sanity.ts (plus the family's accept_private) by push/main.ts.
 */
export type AddressCheck = (address: string, family: 4 | 6) => string | undefined;
