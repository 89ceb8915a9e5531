import type { KeyPath } from "./line-index.js";
import type { Problems, Table } from "./problems.js";
import { readInteger, readString, readStringList } from "./problems.js";
import { didYouMean } from "./suggest.js";
import { parseServer } from "../net/dns/server.js";
import { API_READ_TYPES } from "../verify/methods.js";
import { VERIFY_INTERVAL_DEFAULT_S, VERIFY_INTERVAL_MAX_S, VERIFY_INTERVAL_MIN_S, VERIFY_MODES, type VerifyMode } from "../verify/types.js";

/** The drift-check keys (issue 17) of the top level, the defaults of every record. */
export interface VerifyDefaults {
  verify: VerifyMode;
  /** Where `verify` was set (for errors that a record's provider makes of it), or undefined for the default. */
  verifyAt?: KeyPath;
  intervalS: number;
  resolvers: string[];
}

export const VERIFY_TOP_KEYS = ["verify", "verify_interval", "verify_resolvers"] as const;
export const VERIFY_RECORD_KEYS = ["verify", "verify_interval"] as const;

export function readVerifyMode(p: Problems, path: KeyPath, v: unknown): VerifyMode | undefined {
  const s = readString(p, path, v);
  if (s === undefined) return undefined;
  if (!(VERIFY_MODES as readonly string[]).includes(s)) {
    p.add(path, `"${s}" is not a verify mode${didYouMean(s, VERIFY_MODES)}; modes are ${VERIFY_MODES.map((m) => `"${m}"`).join(", ")}`);
    return undefined;
  }
  return s as VerifyMode;
}

export function readVerifyInterval(p: Problems, path: KeyPath, v: unknown): number | undefined {
  return readInteger(p, path, v, VERIFY_INTERVAL_MIN_S, VERIFY_INTERVAL_MAX_S);
}

/** `verify`, `verify_interval`, `verify_resolvers` at the top level. */
export function readVerifyDefaults(p: Problems, doc: Table): VerifyDefaults {
  const out: VerifyDefaults = { verify: "auto", intervalS: VERIFY_INTERVAL_DEFAULT_S, resolvers: [] };
  if (doc["verify"] !== undefined) {
    const m = readVerifyMode(p, ["verify"], doc["verify"]);
    if (m !== undefined) {
      out.verify = m;
      out.verifyAt = ["verify"];
    }
  }
  if (doc["verify_interval"] !== undefined) {
    const i = readVerifyInterval(p, ["verify_interval"], doc["verify_interval"]);
    if (i !== undefined) out.intervalS = i;
  }
  if (doc["verify_resolvers"] !== undefined) {
    const list = readStringList(p, ["verify_resolvers"], doc["verify_resolvers"]) ?? [];
    list.forEach((s, n) => {
      if (parseServer(s) === null) p.add(["verify_resolvers", n], `"${s}" is not an IP address with an optional port (e.g. 127.0.0.53, [2001:db8::53]:53)`);
      else out.resolvers.push(s);
    });
  }
  return out;
}

/**
 * Whether a record's provider can be checked the way `mode` says; the error sentence if not.
 * `proxied`: the provider entry creates proxied Cloudflare records, which DNS never shows.
 */
export function verifyModeProblem(mode: VerifyMode, type: string, proxied: boolean): string | undefined {
  if (mode === "api" && !API_READ_TYPES.has(type)) {
    return type === "rfc2136"
      ? `rfc2136 records are checked at the configured server: use verify = "auto" (or "dns")`
      : `provider type "${type}" has no read API: use verify = "auto" or "dns" (the zone's authoritative servers)`;
  }
  // Whether a Cloudflare record is proxied is the record's own flag, which the config
  // cannot see for a record that exists already (proxied = true only covers records ddns
  // creates): DNS could show Cloudflare's edge and a "repair" would follow every check.
  if (mode === "dns" && type === "cloudflare") {
    return `Cloudflare records are checked through the API only: a proxied record cannot be checked through DNS (DNS shows Cloudflare's edge, not the record)${proxied ? " and this entry creates proxied records" : ""}: use verify = "auto" or "api"`;
  }
  return undefined;
}
