import { providerSpecs } from "../provider/registry.js";
import { EXIT, type Runtime } from "./runtime.js";

/** `ddns providers [--json]`: each type, what it is, and its keys. */
export async function providersCommand(json: boolean, rt: Runtime): Promise<number> {
  const specs = providerSpecs().map((s) => ({
    type: s.type,
    summary: s.summary,
    families: s.families,
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
    for (const k of s.keys) {
      const secret = k.kind === "secret" ? ` (secret: ${k.name}, ${k.name}_file or ${k.name}_credential)` : "";
      rt.out(`    ${k.name}${k.required ? " (required)" : ""}: ${k.doc}${secret}`);
    }
  }
  return EXIT.ok;
}
