import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadProvider, providerSpec, providerSpecs } from "../../src/provider/registry.js";
import { API_READ_TYPES } from "../../src/verify/methods.js";
import { createHttpClient } from "../../src/net/http.js";

describe("Verify - which providers read", () => {
  it("every provider type/built/has readRecords exactly when src/verify/methods.ts lists it", async () => {
    for (const spec of providerSpecs()) {
      const create = await loadProvider(spec);
      const values: Record<string, string | number | boolean | string[]> = { type: spec.type };
      for (const k of spec.keys) if (k.kind === "secret" || k.kind === "string") values[k.name] = k.name === "key_secret" ? "c2VjcmV0c2VjcmV0c2VjcmV0" : k.name === "server" ? "127.0.0.1" : "x";
      let reads: boolean;
      try {
        const p = create({ name: "t", type: spec.type, values, secretKeys: [] }, { http: createHttpClient({ userAgent: "t" }), now: () => 0, userAgent: "t" });
        reads = typeof p.readRecords === "function";
      } catch (e) {
        assert.fail(`${spec.type}: ${String(e)}`);
      }
      assert.equal(reads, API_READ_TYPES.has(spec.type), `${spec.type}`);
    }
    for (const t of API_READ_TYPES) assert.ok(providerSpec(t), `${t} is a provider type`);
  });
});
