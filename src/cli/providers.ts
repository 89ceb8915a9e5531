import { providerSpecs } from "../provider/registry.js";
import type { ProviderSpec, TtlRule } from "../provider/types.js";
import { EXIT, type Runtime } from "./runtime.js";

/** What every DNS-API type does with other records at the name (kit/record-sets.ts foreignRecords). */
const MANY =
  "the name's A/AAAA set is ddns's: a set holding an address ddns neither published nor wants is refused, naming the records, never deleted";

/** What the type does with other A/AAAA records at the name, in words. */
export function recordsWords(s: ProviderSpec): string {
  return s.records ?? (s.ttl.fixed !== undefined ? "the service keeps one address per name and family; ddns sends it, nothing else is touched" : MANY);
}

/** The TTL rule in words: "60..86400 or 1", "30, 120, ...", "none (...)". */
export function ttlWords(r: TtlRule): string {
  // A ttl there was always accepted and ignored: `ddns check` warns, it does not refuse.
  if (r.fixed !== undefined) return `none: ${r.fixed} (a configured ttl is ignored, with a warning)`;
  if (r.values !== undefined) return `only ${r.values.join(", ")}`;
  return `${r.min ?? 1}..${r.max ?? 86400}${r.also !== undefined && r.also.length > 0 ? ` or ${r.also.join(", ")}` : ""}`;
}

/** `ddns providers [--json]`: each type, what it is, its families and how both travel, TTL rule, multi-record behaviour and keys. */
export async function providersCommand(json: boolean, rt: Runtime): Promise<number> {
  const specs = providerSpecs().map((s) => ({
    type: s.type,
    summary: s.summary,
    families: s.families,
    dualStack: s.dualStack,
    ttl: { ...s.ttl, words: ttlWords(s.ttl) },
    records: recordsWords(s),
    endpoint: s.defaultEndpoint,
    keys: [
      ...(s.defaultEndpoint ? [{ name: "endpoint", kind: "url", required: false, doc: `API base URL (default ${s.defaultEndpoint})` }] : []),
      ...s.keys.map((k) => ({ name: k.name, kind: k.kind, required: k.required === true, doc: k.doc, ...(k.default !== undefined ? { default: k.default } : {}) })),
    ],
  }));
  if (json) {
    rt.out(JSON.stringify(specs, null, 2));
    return EXIT.ok;
  }
  for (const s of specs) {
    rt.out(`${s.type} — ${s.summary} [${s.families.join(", ")}]`);
    rt.out(`    families: ${s.families.join(", ")}: ${s.dualStack}`);
    rt.out(`    ttl: ${s.ttl.words}; without ttl: ${s.ttl.unset}${s.ttl.note !== undefined ? ` (${s.ttl.note})` : ""}`);
    rt.out(`    records: ${s.records}`);
    for (const k of s.keys) {
      const secret = k.kind === "secret" ? ` (secret: ${k.name}, ${k.name}_file or ${k.name}_credential)` : "";
      rt.out(`    ${k.name}${k.required ? " (required)" : ""}: ${k.doc}${secret}`);
    }
  }
  return EXIT.ok;
}
