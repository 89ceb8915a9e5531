import type { KeySpec, ProviderSpec } from "../provider/types.js";
import { COMMON_PROVIDER_KEYS, providerSpec, providerSpecs } from "../provider/registry.js";
import type { KeyPath } from "./line-index.js";
import type { ProviderEntry, SecretOrigin } from "./types.js";
import type { Problems, Table } from "./problems.js";
import { checkKeys, readBool, readInteger, readString, readStringList, readTable } from "./problems.js";
import type { SecretContext } from "./secrets.js";
import { readSecret, secretKeyNames } from "./secrets.js";
import { didYouMean, nearest } from "./suggest.js";
import { checkUrl } from "./values.js";

const PROVIDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

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
    if (!PROVIDER_NAME.test(name)) {
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
    const types = providerSpecs().map((s) => s.type);
    p.add([...path, "type"], `unknown provider type "${type}"${didYouMean(type, types)}; types are ${typeList()}`);
  }
  return spec;
}

function typeList(): string {
  return providerSpecs()
    .map((s) => s.type)
    .join(", ");
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

  values.endpoint = spec.defaultEndpoint.replace(/\/+$/, "");
  if (t.endpoint !== undefined) {
    const s = readString(p, [...path, "endpoint"], t.endpoint);
    const r = s === undefined ? undefined : checkUrl(s);
    if (r !== undefined && !r.ok) p.add([...path, "endpoint"], r.reason);
    else if (r !== undefined && (r.url.search !== "" || r.url.hash !== "")) {
      p.add([...path, "endpoint"], "must not have a query or fragment: it is the API base URL that request paths are appended to");
    } else if (r !== undefined) values.endpoint = r.url.href.replace(/\/+$/, "");
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
    line: p.lineOf(path),
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
  let h = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, "0");
}
