import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
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

  it("registry/every provider type/has a subsection in ddns.toml(5) naming each of its keys", () => {
    const types = section(toml5, ".SH", "PROVIDER TYPES");
    assert.ok(types !== undefined, "ddns.toml.5 has a PROVIDER TYPES section");
    assert.ok(providerSpecs().length > 0);
    for (const spec of providerSpecs()) {
      const sub = section(toml5, ".SS", spec.type);
      assert.ok(sub !== undefined, `ddns.toml.5 documents provider type "${spec.type}": run node scripts/man-providers.mjs`);
      for (const key of spec.keys) {
        assert.match(sub, new RegExp(`\\\\fB${key.name}\\\\fR`), `provider type ${spec.type}: key ${key.name} is documented`);
      }
    }
  });

  it("provider section/regenerated from the registry/is unchanged", () => {
    const r = spawnSync(process.execPath, [join(root, "scripts/man-providers.mjs"), "--check"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
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

  for (const page of ["man/ddns.8", "man/ddns.toml.5"]) {
    it(`${page}/rendered by groff with all warnings/renders cleanly`, () => {
      assert.equal(groffWarnings(join(root, page)), "");
    });
  }
});
