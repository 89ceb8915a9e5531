// Writes the PROVIDER TYPES section of man/ddns.toml.5 from the provider registry
// (the compiled build/src/provider/registry.js: run `npm run build` first), so the
// man page lists exactly the types and keys this version accepts.
//   node scripts/man-providers.mjs             rewrite the section in place
//   node scripts/man-providers.mjs --check     exit 1 if the page is out of date
//   node scripts/man-providers.mjs --out FILE  write the updated page to FILE
//                                              (the package build does this)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const page = root + "man/ddns.toml.5";
const BEGIN = ".\\\" BEGIN PROVIDERS";
const END = ".\\\" END PROVIDERS";

const { providerSpecs } = await import(root + "build/src/provider/registry.js");
const { ttlWords, recordsWords } = await import(root + "build/src/cli/providers.js");

/** Text safe on a roff text line: backslashes escaped, no control character first. */
function text(s) {
  const t = String(s).replace(/\\/g, "\\e").replace(/-/g, "\\-");
  return /^[.']/.test(t) ? "\\&" + t : t;
}

function value(v) {
  if (Array.isArray(v)) return "[" + v.map((x) => JSON.stringify(x)).join(", ") + "]";
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function renderSpec(spec) {
  const out = [`.SS ${spec.type}`, text(spec.summary.replace(/\.?$/, ".")), ".br", text(`Families: ${spec.families.join(", ")}: ${spec.dualStack}.`)];
  if (spec.defaultEndpoint) out.push(".br", `Default \\fBendpoint\\fR: \\fI${text(spec.defaultEndpoint)}\\fR`);
  out.push(".br", text(`TTL: ${ttlWords(spec.ttl)}; without ttl: ${spec.ttl.unset}${spec.ttl.note ? ` (${spec.ttl.note})` : ""}.`));
  out.push(".br", text(`Other records at the name: ${recordsWords(spec)}.`));
  if (typeof spec.refreshDays === "number") out.push(".br", `Default \\fBrefresh_days\\fR: ${spec.refreshDays}.`);
  for (const k of spec.keys) {
    const what = [k.kind === "string[]" ? "list of strings" : k.kind];
    if (k.required) what.push("required");
    if (k.default !== undefined) what.push(`default ${value(k.default)}`);
    out.push(".TP", `\\fB${text(k.name)}\\fR (${text(what.join(", "))})`, text(k.doc));
  }
  return out.join("\n");
}

const specs = [...providerSpecs()].sort((a, b) => a.type.localeCompare(b.type));
const section = specs.map(renderSpec).join("\n");
const current = readFileSync(page, "utf8");
const start = current.indexOf(BEGIN);
const end = current.indexOf(END);
if (start < 0 || end < start) {
  console.error(`man-providers: ${page} lacks the BEGIN/END PROVIDERS markers`);
  process.exit(2);
}
const headerEnd = current.indexOf("\n", start) + 1;
const next = current.slice(0, headerEnd) + section + "\n" + current.slice(end);
const outAt = process.argv.indexOf("--out");
if (outAt > 0) {
  const file = process.argv[outAt + 1];
  if (!file) {
    console.error("man-providers: --out needs a file name");
    process.exit(2);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, next);
} else if (process.argv.includes("--check")) {
  if (next !== current) {
    console.error("man-providers: man/ddns.toml.5 is out of date: run `npm run build && node scripts/man-providers.mjs`");
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(page, next);
  console.log(`man-providers: wrote ${specs.length} provider types into man/ddns.toml.5`);
}
