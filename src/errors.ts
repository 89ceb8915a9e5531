/**
 * The one error base class of ddns. `code` is stable (tests and the composition root
 * match on it); `message` is a sentence for an operator and never holds a secret.
 * Only src/main.ts maps errors to exit codes.
 */
export type ErrorCode =
  | "CONFIG_INVALID" // exit 78: message is "FILE:LINE: key: what is wrong"
  | "CONFIG_UNREADABLE" // exit 78
  | "SECRET_UNREADABLE" // exit 78
  | "STATE_UNWRITABLE" // exit 75: state could not be saved; previous state intact
  | "LOCKED" // another run holds the lock
  | "NET_TIMEOUT"
  | "NET_REFUSED"
  | "NET_TLS"
  | "NET_TOO_LARGE"
  | "NET_REDIRECT"
  | "NET_PROTOCOL"
  | "NET_ABORTED"
  | "NET_OTHER"
  | "USAGE" // a bad command line (exit 2, as yargs does)
  | "INTERNAL";

export class DdnsError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = "DdnsError";
  }
}

/**
 * True for a DdnsError, also one thrown by another bundle's copy of this class
 * (dist/ddns-cli.cjs is bundled apart from dist/ddns.cjs), so not `instanceof`.
 */
export function isDdnsError(e: unknown, code?: ErrorCode): e is DdnsError {
  return (
    e instanceof Error &&
    e.name === "DdnsError" &&
    typeof (e as { code?: unknown }).code === "string" &&
    (code === undefined || (e as DdnsError).code === code)
  );
}
