import type { Family } from "../ip-source/types.js";
import { FAMILIES } from "../ip-source/types.js";
import type { ProviderSpec } from "../provider/types.js";
import type { KeyPath } from "./line-index.js";
import type { FamilyConfig, PushConfig, RecordConfig } from "./types.js";
import type { Problems } from "./problems.js";
import { checkKeys, describe, isTable, readInteger, readString, readStringList, readTable } from "./problems.js";
import type { SecretContext } from "./secrets.js";
import { readSecret, secretKeyNames } from "./secrets.js";
import { didYouMean } from "./suggest.js";
import { normalizeHostname } from "./values.js";
import { ttlVerdict } from "./ttl.js";
import { parseIpv6Host } from "../ip-source/ipv6-host.js";
import { VERIFY_RECORD_KEYS, readVerifyInterval, readVerifyMode, verifyModeProblem, type VerifyDefaults } from "./verify.js";

const RECORD_KEYS = ["name", "provider", "families", "ttl", "ipv6_host", "ipv6_prefix_length", ...VERIFY_RECORD_KEYS] as const;

/** Validates `[[records]]` (absent: none, and ddns has nothing to do). */
export function readRecords(
  p: Problems,
  raw: unknown,
  families: Record<Family, FamilyConfig>,
  providers: Map<string, ProviderSpec | undefined>,
  verify: VerifyDefaults = { verify: "auto", intervalS: 86_400, resolvers: [] },
  /** `proxied = true` per provider entry name (Cloudflare): such records cannot be checked through DNS. */
  proxied: ReadonlySet<string> = new Set(),
): RecordConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    p.add(["records"], isTable(raw) ? "write each record as its own [[records]] table (double brackets)" : `must be [[records]] tables, not ${describe(raw)}`);
    return [];
  }
  const out: RecordConfig[] = [];
  const seen = new Map<string, KeyPath>(); // "<name>/<family>" -> where it was first configured
  raw.forEach((item, n) => {
    const path: KeyPath = ["records", n];
    const t = readTable(p, path, item);
    if (t === undefined) return;
    const typos = checkKeys(p, path, t, RECORD_KEYS);

    let name: string | undefined;
    if (t.name === undefined) {
      if (!typos.has("name")) p.add([...path, "name"], `missing "name" (the host name to keep current, e.g. "home.example.org")`);
    } else {
      const s = readString(p, [...path, "name"], t.name);
      const r = s === undefined ? undefined : normalizeHostname(s, { wildcard: true, minLabels: 2 });
      if (r !== undefined && !r.ok) p.add([...path, "name"], r.reason);
      else if (r !== undefined) name = r.name;
    }

    let provider: string | undefined;
    let spec: ProviderSpec | undefined;
    if (t.provider === undefined) {
      if (!typos.has("provider")) p.add([...path, "provider"], `missing "provider" (the name of a [providers.NAME] table)`);
    } else {
      provider = readString(p, [...path, "provider"], t.provider);
      if (provider !== undefined && !providers.has(provider)) {
        const known = [...providers.keys()];
        const hint = known.length === 0 ? "; there is no [providers.NAME] table" : didYouMean(provider, known);
        p.add([...path, "provider"], `no provider "${provider}" is configured${hint}`);
        provider = undefined;
      } else if (provider !== undefined) spec = providers.get(provider);
    }

    const fams = readRecordFamilies(p, [...path, "families"], t.families, families, spec);
    let ttl: number | undefined;
    if (t.ttl !== undefined) ttl = readInteger(p, [...path, "ttl"], t.ttl, 1, 86400);
    if (ttl !== undefined && spec !== undefined) {
      const v = ttlVerdict(spec.ttl, ttl, spec.type);
      if (v?.kind === "error") p.add([...path, "ttl"], v.message);
      else if (v?.kind === "ignored") {
        // Accepted and ignored, as it always was (550737a briefly refused it): a warning, and the
        // record carries no ttl, so nothing downstream can act on it.
        p.warn([...path, "ttl"], v.message, name);
        ttl = undefined;
      }
    }

    let prefixLength: number | undefined;
    if (t.ipv6_prefix_length !== undefined) {
      prefixLength = readInteger(p, [...path, "ipv6_prefix_length"], t.ipv6_prefix_length, 1, 127);
      if (t.ipv6_host === undefined) p.add([...path, "ipv6_prefix_length"], `only a record with "ipv6_host" takes "ipv6_prefix_length"`);
    }
    let ipv6Host: string | undefined;
    if (t.ipv6_host !== undefined) {
      const s = readString(p, [...path, "ipv6_host"], t.ipv6_host);
      if (s !== undefined) {
        const r = parseIpv6Host(s, prefixLength ?? 64);
        if (r.ok) ipv6Host = r.host;
        else p.add([...path, "ipv6_host"], r.reason);
      }
      if (fams !== undefined && !fams.includes("ipv6")) p.add([...path, "ipv6_host"], `"ipv6_host" sets this record's IPv6 address, but the record does not publish IPv6 (families)`);
    }

    let mode = verify.verify;
    let modeAt = verify.verifyAt;
    if (t.verify !== undefined) {
      const m = readVerifyMode(p, [...path, "verify"], t.verify);
      if (m !== undefined) {
        mode = m;
        modeAt = [...path, "verify"];
      }
    }
    let intervalS = verify.intervalS;
    if (t.verify_interval !== undefined) intervalS = readVerifyInterval(p, [...path, "verify_interval"], t.verify_interval) ?? intervalS;
    if (spec !== undefined && provider !== undefined) {
      const why = verifyModeProblem(mode, spec.type, proxied.has(provider));
      if (why !== undefined) p.add(modeAt ?? [...path, "provider"], `${name ?? "this record"}: ${why}`);
    }

    if (name === undefined || provider === undefined || fams === undefined) return;
    for (const f of fams) {
      const first = seen.get(`${name}/${f}`);
      if (first !== undefined) p.add([...path, "name"], `"${name}" (${f}) is already configured by the record at line ${p.lineOf(first)}`);
      else seen.set(`${name}/${f}`, path);
    }
    // The line is looked up when read (messages), not on every run.
    const record: RecordConfig = {
      name,
      provider,
      families: fams,
      get line() {
        return p.lineOf(path);
      },
      verify: mode,
      verifyIntervalS: intervalS,
    };
    if (ttl !== undefined) {
      record.ttl = ttl;
      Object.defineProperty(record, "ttlLine", { get: () => p.lineOf([...path, "ttl"]), enumerable: false });
    }
    if (ipv6Host !== undefined) {
      record.ipv6Host = ipv6Host;
      record.ipv6PrefixLength = prefixLength ?? 64;
    }
    out.push(record);
  });
  return out;
}

function readRecordFamilies(
  p: Problems,
  path: KeyPath,
  raw: unknown,
  families: Record<Family, FamilyConfig>,
  spec: ProviderSpec | undefined,
): Family[] | undefined {
  const supported = spec?.families ?? FAMILIES;
  if (raw === undefined) {
    const fams = FAMILIES.filter((f) => families[f].enabled && supported.includes(f));
    if (fams.length === 0) {
      p.add(path, FAMILIES.some((f) => families[f].enabled) ? `the provider's type cannot update any enabled family` : "both [ipv4] and [ipv6] are disabled");
      return undefined;
    }
    return fams;
  }
  const list = readStringList(p, path, raw, { nonEmpty: true });
  if (list === undefined) return undefined;
  const out: Family[] = [];
  let ok = true;
  list.forEach((s, n) => {
    const at = [...path, n];
    if (!(FAMILIES as readonly string[]).includes(s)) {
      p.add(at, `unknown family "${s}"${didYouMean(s, FAMILIES)}; families are ipv4, ipv6`);
      ok = false;
      return;
    }
    const f = s as Family;
    if (out.includes(f)) {
      p.add(at, `"${f}" is listed twice`);
      ok = false;
    } else if (!families[f].enabled) {
      p.add(at, `"${f}" is disabled ([${f}] enabled = false)`);
      ok = false;
    } else if (!supported.includes(f)) {
      p.add(at, `provider type "${spec?.type ?? ""}" cannot update ${f} records`);
      ok = false;
    } else out.push(f);
  });
  return ok ? out : undefined;
}

const PUSH_KEYS = ["names", "username", ...secretKeyNames("password"), ...secretKeyNames("token")];

/** Validates `[push]` (the router push receiver); undefined when the table is absent. */
export async function readPush(
  p: Problems,
  ctx: SecretContext,
  raw: unknown,
  records: readonly RecordConfig[],
  resolveSecrets = true,
): Promise<PushConfig | undefined> {
  if (raw === undefined) return undefined;
  const path: KeyPath = ["push"];
  const t = readTable(p, path, raw);
  if (t === undefined) return undefined;
  const typos = checkKeys(p, path, t, PUSH_KEYS);
  const out: PushConfig = { names: [] };

  if (t.names === undefined) {
    if (!typos.has("names")) p.add(["push", "names"], "missing names (the record names a router's push may set)");
  } else {
    const known = [...new Set(records.map((r) => r.name))];
    (readStringList(p, ["push", "names"], t.names, { nonEmpty: true }) ?? []).forEach((s, n) => {
      const r = normalizeHostname(s, { wildcard: true, minLabels: 2 });
      if (!r.ok) p.add(["push", "names", n], r.reason);
      else if (!known.includes(r.name)) p.add(["push", "names", n], `"${r.name}" is not the name of any [[records]]${didYouMean(r.name, known)}`);
      else if (!out.names.includes(r.name)) out.names.push(r.name);
    });
  }
  if (t.username !== undefined) {
    const u = readString(p, ["push", "username"], t.username);
    if (u !== undefined) out.username = u;
  }
  // Without resolving, a secret counts as given when one of its keys is set (and
  // one given inline still keeps the document out of the parse cache).
  if (ctx.inline !== undefined && (t["password"] !== undefined || t["token"] !== undefined)) ctx.inline.seen = true;
  const given = (key: string) => (secretKeyNames(key).some((n) => t[n] !== undefined) ? ({ kind: "given" } as const) : ({ kind: "absent" } as const));
  const password = resolveSecrets ? await readSecret(p, ctx, path, t, "password") : given("password");
  if (password.kind === "ok") out.password = password.value;
  const token = resolveSecrets ? await readSecret(p, ctx, path, t, "token") : given("token");
  if (token.kind === "ok") out.token = token.value;

  if (password.kind === "absent" && token.kind === "absent" && t.username === undefined) {
    p.add(path, "set username and password, or token: without them anyone who can reach the receiver could set these records");
  }
  if (password.kind !== "absent" && t.username === undefined) p.add(["push", "username"], "missing username (password needs it)");
  if (password.kind === "absent" && token.kind === "absent" && t.username !== undefined) {
    p.add(["push", "username"], "username needs password (or password_file, password_credential) or token");
  }
  return out;
}
