import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { providerSpecs } from "../../src/provider/registry.js";
import { providersCommand, recordsWords, ttlWords } from "../../src/cli/providers.js";
import type { Runtime } from "../../src/cli/runtime.js";

// Issue 14, "Done when": `ddns providers` and ddns.toml(5) state per provider type what
// TTL, families and multi-record behaviour it has. Iterating the registry makes it hold
// for every type, including the next one added.

// build/test/provider/ -> repository root
const root = fileURLToPath(new URL("../../../", import.meta.url));

/** The lines of `.SS name` in a man page, up to the next heading. */
function subsection(page: string, name: string): string[] {
  const lines = page.split("\n");
  const start = lines.indexOf(`.SS ${name}`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /^\.S[SH] /.test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** roff text as scripts/man-providers.mjs writes it (backslashes and dashes escaped). */
const roff = (s: string): string => s.replace(/\\/g, "\\e").replace(/-/g, "\\-");

async function providersOutput(json: boolean): Promise<string> {
  const lines: string[] = [];
  const rt = { out: (s: string) => lines.push(s) } as unknown as Runtime;
  assert.equal(await providersCommand(json, rt), 0);
  return lines.join("\n");
}

describe("Provider types - TTL, families and other records stated per type (issue 14)", () => {
  const specs = providerSpecs();

  it("registry/every type/has families, a dual-stack sentence, a TTL rule with its document, and a multi-record rule", () => {
    assert.ok(specs.length >= 30, `${specs.length} provider types`);
    for (const s of specs) {
      assert.ok(s.families.length > 0 && s.families.every((f) => f === "ipv4" || f === "ipv6"), `${s.type}: families`);
      assert.ok(s.dualStack.length > 10, `${s.type}: how both families travel`);
      const r = s.ttl;
      assert.ok(r.fixed !== undefined || r.values !== undefined || (r.min !== undefined && r.max !== undefined), `${s.type}: TTL rule`);
      assert.ok(r.unset.length > 0, `${s.type}: what a record without ttl gets`);
      assert.ok(r.source.length > 10, `${s.type}: the TTL rule's document`);
      assert.ok(recordsWords(s).length > 10, `${s.type}: other records at the name`);
    }
  });

  it("ddns providers/text/every type prints its families with the dual-stack rule, ttl and records lines", async () => {
    const text = await providersOutput(false);
    for (const s of specs) {
      const block = text.split(/\n(?=\S)/).find((b) => b.startsWith(`${s.type} — `));
      assert.ok(block, `${s.type}: no block`);
      assert.ok(block.includes(`\n    families: ${s.families.join(", ")}: ${s.dualStack}\n`), `${s.type}: families line`);
      assert.ok(block.includes(`\n    ttl: ${ttlWords(s.ttl)}; without ttl: ${s.ttl.unset}`), `${s.type}: ttl line`);
      assert.ok(block.includes(`\n    records: ${recordsWords(s)}`), `${s.type}: records line`);
    }
  });

  it("ddns providers --json/every type/carries families, dualStack, ttl words and unset, records", async () => {
    const list = JSON.parse(await providersOutput(true)) as Array<{ type: string; families: string[]; dualStack: string; ttl: { words: string; unset: string; source: string }; records: string }>;
    assert.deepEqual(list.map((x) => x.type).sort(), specs.map((s) => s.type).sort());
    for (const x of list) {
      const s = specs.find((y) => y.type === x.type)!;
      assert.deepEqual(x.families, s.families);
      assert.equal(x.dualStack, s.dualStack);
      assert.equal(x.ttl.words, ttlWords(s.ttl));
      assert.equal(x.ttl.unset, s.ttl.unset);
      assert.equal(x.records, recordsWords(s));
    }
  });

  it("ddns.toml(5)/every type's subsection/states families, TTL and other records in the registry's words", () => {
    const page = readFileSync(join(root, "man/ddns.toml.5"), "utf8");
    for (const s of specs) {
      const sub = subsection(page, s.type);
      assert.ok(sub.length > 0, `${s.type}: no .SS in man/ddns.toml.5 (run npm run build && node scripts/man-providers.mjs)`);
      assert.ok(sub.includes(roff(`Families: ${s.families.join(", ")}: ${s.dualStack}.`)), `${s.type}: Families line`);
      assert.ok(sub.some((l) => l.startsWith(roff(`TTL: ${ttlWords(s.ttl)}; without ttl: ${s.ttl.unset}`))), `${s.type}: TTL line`);
      assert.ok(sub.includes(roff(`Other records at the name: ${recordsWords(s)}.`)), `${s.type}: other records line`);
    }
  });
});
