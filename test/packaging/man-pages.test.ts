import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { providerSpecs, COMMON_PROVIDER_KEYS } from "../../src/provider/registry.js";

// build/test/packaging/ -> repository root
const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (p: string) => readFileSync(join(root, p), "utf8");

/** The text of `.SS`/`.SH` section `name` up to the next heading of the same or a higher level. */
function section(page: string, macro: ".SH" | ".SS", name: string): string | undefined {
  const lines = page.split("\n");
  const start = lines.findIndex((l) => l === `${macro} ${name}` || l === `${macro} "${name}"`);
  if (start < 0) return undefined;
  const stop = macro === ".SH" ? /^\.SH / : /^\.S[SH] /;
  const end = lines.findIndex((l, i) => i > start && stop.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join("\n");
}

/** groff's complaints about a page (empty when it renders cleanly). */
function groffWarnings(file: string): string {
  const r = spawnSync("groff", ["-man", "-Tutf8", "-ww", "-z", file], { encoding: "utf8" });
  assert.equal(r.error, undefined, "groff must be installed (groff-base)");
  return r.stderr + (r.status === 0 ? "" : `exit ${r.status}`);
}

describe("Packaging - man pages", () => {
  const toml5 = read("man/ddns.toml.5");
  const ddns8 = read("man/ddns.8");

  // The package build regenerates the section (debian/rules); the committed page
  // must still name every type, for readers of the repository.
  it("registry/every provider type/has a subsection in the committed ddns.toml(5)", () => {
    assert.ok(section(toml5, ".SH", "PROVIDER TYPES") !== undefined, "ddns.toml.5 has a PROVIDER TYPES section");
    assert.ok(providerSpecs().length > 0);
    for (const spec of providerSpecs()) {
      assert.ok(section(toml5, ".SS", spec.type) !== undefined, `man/ddns.toml.5 lacks provider type "${spec.type}": run npm run build && node scripts/man-providers.mjs`);
    }
  });

  it("provider section/regenerated from the registry/names every type and key", () => {
    const dir = mkdtempSync(join(tmpdir(), "ddns-man-"));
    try {
      const r = spawnSync(process.execPath, [join(root, "scripts/man-providers.mjs"), "--out", join(dir, "ddns.toml.5")], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const page = readFileSync(join(dir, "ddns.toml.5"), "utf8");
      for (const spec of providerSpecs()) {
        const sub = section(page, ".SS", spec.type) ?? "";
        for (const key of spec.keys) assert.match(sub, new RegExp(`\\\\fB${key.name}\\\\fR`), `${spec.type}.${key.name}`);
      }
      assert.equal(groffWarnings(join(dir, "ddns.toml.5")), "");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("common provider keys and secret spellings/documented in ddns.toml(5)", () => {
    const providers = section(toml5, ".SH", "PROVIDERS") ?? "";
    for (const key of COMMON_PROVIDER_KEYS) assert.match(providers, new RegExp(`^\\.BR ${key} `, "m"), key);
    assert.match(providers, /_file/);
    assert.match(providers, /_credential/);
  });

  it("family keys/documented in ddns.toml(5)", () => {
    const fam = section(toml5, ".SH", "ADDRESS FAMILIES") ?? "";
    for (const key of ["enabled", "sources", "interfaces", "urls", "address", "command", "dns_servers", "dns_name", "prefer", "accept_private", "timeout"]) {
      assert.match(fam, new RegExp(`^\\.BR ${key} `, "m"), key);
    }
    for (const source of ["event", "interface", "http", "dns", "static", "command"]) {
      assert.match(fam, new RegExp(`^\\.B ${source}$`, "m"), `source ${source}`);
    }
  });

  it("ddns(8)/commands, options and exit statuses of the design/each documented", () => {
    for (const cmd of ["run", "status", "check", "detect", "providers"]) {
      assert.match(section(ddns8, ".SH", "COMMANDS") ?? "", new RegExp(`^\\.B ${cmd}$`, "m"), cmd);
    }
    const options = section(ddns8, ".SH", "OPTIONS") ?? "";
    for (const opt of ["config", "state\\\\-dir", "events\\\\-dir", "dry\\\\-run", "json", "online", "force"]) {
      assert.match(options, new RegExp(`^\\.BI? \\\\-\\\\-${opt}`, "m"), opt);
    }
    const exits = section(ddns8, ".SH", "EXIT STATUS") ?? "";
    for (const code of [0, 1, 2, 75, 77, 78]) assert.match(exits, new RegExp(`^\\.B ${code}$`, "m"), `exit ${code}`);
  });

  it("ddns(8)/every option ddns-push reads (src/push/main.ts)/documented under ROUTER PUSH", () => {
    const main = read("src/push/main.ts");
    const opts = [...main.matchAll(/option\("--([a-z-]+)"/g)].map((m) => m[1]!);
    assert.ok(opts.length >= 3, `options found in src/push/main.ts: ${opts.join(", ")}`);
    const push = section(ddns8, ".SH", "ROUTER PUSH") ?? "";
    // roff spells "-" as "\-": --events-dir is written .BI \-\-events\-dir "DIR".
    for (const o of opts) assert.ok(push.includes(`.BI ${`--${o}`.replace(/-/g, "\\-")} `), `--${o} is not documented`);
  });

  for (const page of ["man/ddns.8", "man/ddns.toml.5"]) {
    it(`${page}/rendered by groff with all warnings/renders cleanly`, () => {
      assert.equal(groffWarnings(join(root, page)), "");
    });
  }
});
