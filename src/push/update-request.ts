import type { Credentials, RequestHead, UpdateRequest } from "./types.js";

/** The paths routers are told to call (dyndns2's and the bare one some firmware builds). */
export const UPDATE_PATHS: readonly string[] = ["/nic/update", "/update"];

export type UpdateParse = { kind: "update"; update: UpdateRequest } | { kind: "not-found" };

/**
 * Reads the dyndns2 query: `hostname` (comma list), `myip` (comma list of IPv4 and/or
 * IPv6, as FRITZ!Box's `myip=<ipaddr>,<ip6addr>` sends), `myipv6` (comma list). Empty
 * list items are dropped: a router without IPv6 sends `myip=203.0.113.7,`. When no
 * address is given, dyndns2 means the sender's own address: `from` is used, if any.
 * Other parameters (wildcard, mx, backmx, offline, system) are ignored.
 */
export function toUpdateRequest(head: RequestHead, from: string | undefined): UpdateParse {
  if (!UPDATE_PATHS.includes(head.path)) return { kind: "not-found" };
  const q = new URLSearchParams(head.query);
  const list = (key: string): string[] =>
    q
      .getAll(key)
      .flatMap((v) => v.split(","))
      .map((v) => v.trim())
      .filter((v) => v !== "");
  const hostnames = list("hostname");
  let addresses = [...list("myip"), ...list("myipv6")];
  if (addresses.length === 0 && from !== undefined && from !== "local") addresses = [from];
  let presented = credentials(head.headers.get("authorization"));
  if (presented.kind === "none") presented = queryCredentials(q);
  return { kind: "update", update: { hostnames, addresses, credentials: presented } };
}

/**
 * Credentials in the query, for routers that cannot send an Authorization header
 * (FRITZ!Box's `<username>`/`<pass>` placeholders, some wget-based firmware over
 * https): `username` + `password`, or `token`. Only used without the header.
 */
function queryCredentials(q: URLSearchParams): Credentials {
  const password = q.get("password");
  if (password !== null) return { kind: "basic", username: q.get("username") ?? "", password };
  const token = q.get("token");
  return token !== null ? { kind: "bearer", token } : { kind: "none" };
}

/** Parses an Authorization header: Basic (RFC 7617) or Bearer (RFC 6750). */
export function credentials(header: string | undefined): Credentials {
  if (header === undefined || header === "") return { kind: "none" };
  const space = header.indexOf(" ");
  if (space < 0) return { kind: "unsupported" };
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === "bearer") return value === "" ? { kind: "unsupported" } : { kind: "bearer", token: value };
  if (scheme !== "basic" || !/^[A-Za-z0-9+/]+=*$/.test(value)) return { kind: "unsupported" };
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return { kind: "unsupported" };
  return { kind: "basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
