import type { KeySpec, ProviderSpec } from "../provider/types.js";
import { COMMON_PROVIDER_KEYS, providerSpec, providerTypes } from "../provider/registry.js";
import type { KeyPath } from "./line-index.js";
import type { ProviderEntry, SecretOrigin } from "./types.js";
import type { Problems, Table } from "./problems.js";
import { checkKeys, readBool, readInteger, readString, readStringList, readTable } from "./problems.js";
import type { SecretContext } from "./secrets.js";
import { readSecret, secretKeyNames } from "./secrets.js";
import { didYouMean, nearest } from "./suggest.js";
import { checkUrl } from "./values.js";

/**
 * A provider table's name as /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/ takes it. By hand: each
 * regular expression a run executes is compiled on first use (PERFORMANCE.md).
 */
export function isProviderName(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alnum && (i === 0 || (c !== 95 && c !== 46 && c !== 45))) return false;
  }
  return true;
}

/** `s` without its trailing slashes (what a replace of /[/]+$/ with "" gives). */
export function trimSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  return s.slice(0, end);
}

export interface ProvidersResult {
  entries: Map<string, ProviderEntry>;
  /** Every table name written, with its spec when the type is known: records check against these. */
  declared: Map<string, ProviderSpec | undefined>;
}

/** Validates `[providers.NAME]` tables (absent: none). */
export async function readProviders(p: Problems, ctx: SecretContext, raw: unknown): Promise<ProvidersResult> {
  const result: ProvidersResult = { entries: new Map(), declared: new Map() };
  if (raw === undefined) return result;
  const all = readTable(p, ["providers"], raw);
  if (all === undefined) return result;
  for (const [name, value] of Object.entries(all)) {
    const path: KeyPath = ["providers", name];
    if (!isProviderName(name)) {
      p.add(path, `"${name}" is not a usable provider name (letters, digits, "_", "-", ".", at most 64)`);
      continue;
    }
    const t = readTable(p, path, value);
    if (t === undefined) {
      result.declared.set(name, undefined);
      continue;
    }
    const spec = readType(p, path, t);
    result.declared.set(name, spec);
    if (spec === undefined) continue;
    const entry = await readProvider(p, ctx, path, name, t, spec);
    if (entry !== undefined) result.entries.set(name, entry);
  }
  return result;
}

function readType(p: Problems, path: KeyPath, t: Table): ProviderSpec | undefined {
  if (t.type === undefined) {
    const typo = Object.keys(t).find((k) => nearest(k, ["type"]) !== undefined);
    if (typo !== undefined) p.add([...path, typo], `unknown key "${typo}" (did you mean "type"?)`);
    else p.add([...path, "type"], `missing "type" (one of ${typeList()})`);
    return undefined;
  }
  const type = readString(p, [...path, "type"], t.type);
  if (type === undefined) return undefined;
  const spec = providerSpec(type);
  if (spec === undefined) {
    p.add([...path, "type"], `unknown provider type "${type}"${didYouMean(type, providerTypes())}; types are ${typeList()}`);
  }
  return spec;
}

function typeList(): string {
  return providerTypes().join(", ");
}

async function readProvider(
  p: Problems,
  ctx: SecretContext,
  path: KeyPath,
  name: string,
  t: Table,
  spec: ProviderSpec,
): Promise<ProviderEntry | undefined> {
  const before = p.list.length;
  const allowed: string[] = [...COMMON_PROVIDER_KEYS];
  for (const k of spec.keys) allowed.push(...(k.kind === "secret" ? secretKeyNames(k.name) : [k.name]));
  const typos = checkKeys(p, path, t, allowed);
  const misspelt = (names: readonly string[]): boolean => names.some((n) => typos.has(n));

  const values: ProviderEntry["values"] = { type: spec.type };
  const secretKeys: string[] = [];
  const sources: Record<string, Record<string, string | number>> = {};
  const secretOrigins: SecretOrigin[] = [];
  for (const key of spec.keys) {
    if (key.kind === "secret") {
      const r = await readSecret(p, ctx, path, t, key.name);
      if (r.kind === "ok") {
        values[key.name] = r.value;
        secretKeys.push(key.name);
        sources[key.name] = r.source;
        if (r.origin !== undefined) secretOrigins.push(r.origin);
      } else if (r.kind === "absent" && key.required === true && !misspelt(secretKeyNames(key.name))) {
        p.add([...path, key.name], `missing ${key.name} (${key.doc}): set ${secretKeyNames(key.name).join(", or ")}`);
      }
      continue;
    }
    const v = readKey(p, [...path, key.name], t[key.name], key);
    if (v !== undefined) values[key.name] = v;
    else if (t[key.name] === undefined && key.required === true && !misspelt([key.name])) p.add([...path, key.name], `missing ${key.name} (${key.doc})`);
  }

  values.endpoint = trimSlashes(spec.defaultEndpoint);
  if (t.endpoint !== undefined) {
    const s = readString(p, [...path, "endpoint"], t.endpoint);
    const r = s === undefined ? undefined : checkUrl(s);
    if (r !== undefined && !r.ok) p.add([...path, "endpoint"], r.reason);
    else if (r !== undefined && (r.url.query || r.url.fragment)) {
      p.add([...path, "endpoint"], "must not have a query or fragment: it is the API base URL that request paths are appended to");
    } else if (r !== undefined) values.endpoint = trimSlashes(r.url.href);
  }
  let refreshDays = spec.refreshDays ?? 0;
  if (t.refresh_days !== undefined) refreshDays = readInteger(p, [...path, "refresh_days"], t.refresh_days, 0, 365) ?? refreshDays;
  values.refresh_days = refreshDays;

  if (p.list.length !== before) return undefined;
  return {
    name,
    type: spec.type,
    values,
    secretKeys,
    // Looked up when read (messages), not on every run.
    get line() {
      return p.lineOf(path);
    },
    refreshDays,
    fingerprint: fingerprint(name, values, secretKeys, sources),
    secretOrigins,
  };
}

function readKey(p: Problems, path: KeyPath, v: unknown, key: KeySpec): ProviderEntry["values"][string] | undefined {
  if (v === undefined) return key.default;
  switch (key.kind) {
    case "string":
    case "secret":
      return readString(p, path, v);
    case "url": {
      const s = readString(p, path, v);
      if (s === undefined) return undefined;
      const r = checkUrl(s);
      if (!r.ok) p.add(path, r.reason);
      return r.ok ? s : undefined;
    }
    case "integer":
      return readInteger(p, path, v, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    case "boolean":
      return readBool(p, path, v);
    case "string[]":
      return readStringList(p, path, v);
  }
}

/**
 * Changes whenever the table or a secret's source changes; holds no secret and no
 * hash of one (secrets are replaced by where they came from).
 */
function fingerprint(
  name: string,
  values: ProviderEntry["values"],
  secretKeys: readonly string[],
  sources: Record<string, Record<string, string | number>>,
): string {
  const canonical: Record<string, unknown> = {};
  for (const k of Object.keys(values).sort()) canonical[k] = secretKeys.includes(k) ? sources[k] : values[k];
  return fnv1a64(JSON.stringify({ name, values: canonical }));
}

/**
 * FNV-1a, 64 bits, as hex. The fingerprint only has to change when its input does
 * (the input holds no secret), so a cryptographic hash buys nothing here, and
 * node:crypto costs every run ~1.8 MiB of peak memory (PERFORMANCE.md).
 */
export function fnv1a64(text: string): string {
  // The 64-bit state as four 16-bit limbs (h3 most significant): the interpreter
  // then does small-integer arithmetic instead of allocating a BigInt per byte
  // (~1 M instructions per run for a config of two providers, PERFORMANCE.md).
  // The prime 0x100000001b3 is 2^40 + 0x1b3: h * prime = h * 0x1b3 + (h << 40), and
  // h << 40 (mod 2^64) is h0 * 2^8 added at limb 2 and h1 * 2^8 at limb 3.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i++) {
    h0 ^= bytes[i]!;
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (t1 >>> 16) + h0 * 0x100;
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + h1 * 0x100;
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  const hex = (n: number): string => n.toString(16).padStart(4, "0");
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
}
