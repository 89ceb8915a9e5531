import { familyOf } from "../ip-source/sanity.js";
import type { Family } from "../ip-source/types.js";

// Not node:net's isIP: loading node:net costs a no-op run ~0.7 MiB (PERFORMANCE.md).
const isIPv4 = (s: string): boolean => familyOf(s) === "ipv4";
const isIPv6 = (s: string): boolean => familyOf(s) === "ipv6";

/** The canonical text of an IP literal of `family`, or why it is not one. */
export function canonicalIp(s: string, family: Family): { ok: true; ip: string } | { ok: false; reason: string } {
  if (family === "ipv4") {
    if (isIPv4(s)) return { ok: true, ip: s };
    return { ok: false, reason: isIPv6(s) ? "is an IPv6 address, not IPv4" : "is not an IPv4 address" };
  }
  if (s.includes("%") && isIPv6(s.slice(0, s.indexOf("%")))) return { ok: false, reason: "must not carry a zone (%...)" };
  if (!isIPv6(s)) return { ok: false, reason: isIPv4(s) ? "is an IPv4 address, not IPv6" : "is not an IPv6 address" };
  // The WHATWG URL parser prints IPv6 in RFC 5952 form (lower case, longest zero run compressed).
  const ip = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(ip)) return { ok: false, reason: "is an IPv4-mapped address; list the IPv4 address under [ipv4]" };
  return { ok: true, ip };
}

/** 127.0.0.0/8, ::1 and localhost, as the WHATWG URL parser prints a hostname. */
export function isLoopbackHost(hostname: string): boolean {
  if (hostname === "localhost" || hostname === "[::1]") return true;
  return isIPv4(hostname) && hostname.startsWith("127.");
}

/** What checkUrl and its callers need of a parsed http(s) URL, read from its href. */
export interface UrlParts {
  /** The serialized URL (URL.href). */
  href: string;
  /** URL.protocol: "http:" or "https:". */
  protocol: string;
  /** A user name or a password is present (URL.username or URL.password not ""). */
  credentials: boolean;
  /** URL.host (hostname and port), URL.hostname (IPv6 in brackets), URL.pathname. */
  host: string;
  hostname: string;
  pathname: string;
  /** URL.search !== "" and URL.hash !== "": a non-empty query, a non-empty fragment. */
  query: boolean;
  fragment: boolean;
}

/**
 * The parts of an http: or https: URL from its href alone (undefined for any other
 * scheme). Why not URL's getters: each is a function of Node's that a run would compile
 * (~2 K characters for the eight of them, PERFORMANCE.md), while the href of a special
 * scheme is `scheme://[userinfo@]host[:port]/path[?query][#fragment]` with "@", "/",
 * "?" and "#" percent-encoded wherever they would be ambiguous. test/config/values.test.ts
 * compares every part with URL's own over a set of URLs.
 */
export function httpUrlParts(url: URL): UrlParts | undefined {
  const href = url.href;
  const protocol = href.startsWith("https://") ? "https:" : href.startsWith("http://") ? "http:" : undefined;
  if (protocol === undefined) return undefined;
  const rest = href.slice(protocol.length + 2);
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const at = authority.lastIndexOf("@");
  const host = authority.slice(at + 1);
  const hostname = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;
  const afterHost = slash < 0 ? "" : rest.slice(slash);
  const hashAt = afterHost.indexOf("#");
  const beforeHash = hashAt < 0 ? afterHost : afterHost.slice(0, hashAt);
  const queryAt = beforeHash.indexOf("?");
  return {
    href,
    protocol,
    credentials: at >= 0,
    host,
    hostname,
    pathname: queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt),
    query: queryAt >= 0 && queryAt < beforeHash.length - 1,
    fragment: hashAt >= 0 && hashAt < afterHost.length - 1,
  };
}

/**
 * Checks a URL ddns will call: https, or plain http to a loopback host only; no user
 * name or password in it (they would end up in messages). Returns its parts or
 * the reason, which never repeats a URL that holds credentials.
 */
export function checkUrl(s: string): { ok: true; url: UrlParts } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return { ok: false, reason: "is not a URL" };
  }
  const parts = httpUrlParts(url);
  if (parts === undefined) {
    if (url.username !== "" || url.password !== "") {
      return { ok: false, reason: "must not hold a user name or password; use the secret keys for credentials" };
    }
    // Shown without query or fragment, which may hold a token.
    return { ok: false, reason: `"${url.protocol}//${url.host}${url.pathname}" must be an https:// URL` };
  }
  if (parts.credentials) {
    return { ok: false, reason: "must not hold a user name or password; use the secret keys for credentials" };
  }
  if (parts.protocol === "https:") return { ok: true, url: parts };
  if (isLoopbackHost(parts.hostname)) return { ok: true, url: parts };
  return { ok: false, reason: `"${parts.protocol}//${parts.host}${parts.pathname}" uses plain http://, which is allowed only to a loopback host (127.0.0.1, ::1, localhost); use https://` };
}

/** a-z or 0-9 (char code). */
const alnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

/**
 * A DNS label as /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/ takes it: 1 to 63 of a-z,
 * 0-9 and inner hyphens. By hand, like isPrintableAscii: each regular expression a run
 * executes is compiled on first use (PERFORMANCE.md, "The reconciler's own work").
 */
export function isLabel(l: string): boolean {
  const n = l.length;
  if (n === 0 || n > 63 || !alnum(l.charCodeAt(0)) || !alnum(l.charCodeAt(n - 1))) return false;
  for (let i = 1; i < n - 1; i++) {
    const c = l.charCodeAt(i);
    if (!alnum(c) && c !== 45) return false;
  }
  return true;
}

/** Only characters 0x20..0x7e (what /[^\x20-\x7e]/ finds none of). */
export function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * A host name lower-cased, without its trailing dot; `*.` may lead when `wildcard`.
 * At least `minLabels` labels.
 */
export function normalizeHostname(
  s: string,
  opts: { wildcard: boolean; minLabels: number },
): { ok: true; name: string } | { ok: false; reason: string } {
  let name = s.toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (!isPrintableAscii(name)) {
    return { ok: false, reason: `"${s}" is not an ASCII host name; write international names in their xn-- (punycode) form` };
  }
  if (name.length > 253) return { ok: false, reason: `"${s}" is longer than 253 characters` };
  const labels = name.split(".");
  const rest = opts.wildcard && labels[0] === "*" ? labels.slice(1) : labels;
  if (rest.length < opts.minLabels) {
    return { ok: false, reason: `"${s}" must be a fully qualified name such as "home.example.org"` };
  }
  const bad = rest.find((l) => !isLabel(l));
  if (bad !== undefined) {
    const why = bad === "" ? "has an empty label" : bad === "*" ? `may hold "*" only as its first label` : `has an invalid label "${bad}" (letters, digits and inner hyphens, at most 63)`;
    return { ok: false, reason: `"${s}" ${why}` };
  }
  return { ok: true, name };
}

/** A Linux interface name (IFNAMSIZ 16, including the NUL). */
export function isInterfaceName(s: string): boolean {
  return s.length >= 1 && s.length <= 15 && s !== "." && s !== ".." && !/[\s/]/.test(s);
}
