import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfigText } from "../../src/config/load.js";
import { DdnsError } from "../../src/errors.js";
import { DYNDNS2_TYPES, dyndns2Presets } from "../../src/provider/dyndns2/spec.js";
import { builtProviderSpecs, providerSpec, providerSpecs, providerTypes } from "../../src/provider/registry.js";

// The registry builds a spec only when something asks for its type (PERFORMANCE.md,
// "Where a full run's time goes"): a run evaluates the specs its config names and no
// other. node:test runs this file in a process of its own, and the tests run in order,
// so the first one sees a registry nothing has asked yet.

const FILE = "/etc/ddns/ddns.toml";
const TOKEN = "tok-registry-test-1";

describe("Provider registry - specs built on first need", () => {
  it("config/a cloudflare and a dyndns2 provider/builds those two specs and no other", async () => {
    assert.deepEqual(builtProviderSpecs(), []);
    const c = await parseConfigText(
      `[providers.cf]\ntype = "cloudflare"\ntoken = "${TOKEN}"\n[providers.dyn]\ntype = "dyndns2"\nusername = "u"\npassword = "${TOKEN}"\n` +
        `[[records]]\nname = "a.example.org"\nprovider = "cf"\n[[records]]\nname = "b.example.net"\nprovider = "dyn"\n`,
      FILE,
    );
    assert.equal(c.providers.size, 2);
    assert.deepEqual(builtProviderSpecs(), ["cloudflare", "dyndns2"]);
  });

  it("config/an unknown type/the error names every type and suggests the nearest, building no spec", async () => {
    const before = builtProviderSpecs();
    await assert.rejects(
      parseConfigText(`[providers.x]\ntype = "clodflare"\ntoken = "${TOKEN}"\n`, FILE),
      (e: unknown) => {
        assert.ok(e instanceof DdnsError);
        assert.match(e.message, /unknown provider type "clodflare" \(did you mean "cloudflare"\?\)/);
        for (const t of providerTypes()) assert.ok(e.message.includes(t), t);
        return true;
      },
    );
    assert.deepEqual(builtProviderSpecs(), before);
  });

  it("providerSpecs/every type/its spec names that type, in the listed order, built once", () => {
    const all = providerSpecs();
    assert.deepEqual(
      all.map((s) => s.type),
      providerTypes(),
    );
    assert.deepEqual([...builtProviderSpecs()].sort(), [...providerTypes()].sort());
    for (const s of all) assert.equal(providerSpec(s.type), s, `${s.type}: the same object on every ask`);
    assert.equal(providerSpec("nosuchtype"), undefined);
    assert.equal(providerSpec("constructor"), undefined);
    assert.equal(providerSpec("toString"), undefined);
  });

  it("dyndns2/the preset table/every preset's type is its key, dyndns2 first", () => {
    assert.deepEqual(
      dyndns2Presets().map((p) => p.type),
      [...DYNDNS2_TYPES],
    );
    assert.equal(DYNDNS2_TYPES[0], "dyndns2");
    assert.deepEqual(providerTypes().slice(0, 1 + DYNDNS2_TYPES.length), ["cloudflare", ...DYNDNS2_TYPES]);
  });
});
