import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { canonical, relativeName, retryAfterMs, sameSet, zoneCandidates } from "../../../src/provider/kit/rest.js";
import { decodeIds, encodeIds, reconcile } from "../../../src/provider/kit/record-sets.js";

describe("Provider - rest helpers", () => {
  it("retry-after seconds or date/parse/milliseconds", () => {
    const now = Date.UTC(2026, 10, 27, 6, 0, 0);
    assert.equal(retryAfterMs({ "retry-after": "30" }, now), 30_000);
    assert.equal(retryAfterMs({ "retry-after": "Fri, 27 Nov 2026 06:01:00 GMT" }, now), 60_000);
    assert.equal(retryAfterMs({ "retry-after": "soon" }, now), undefined);
    assert.equal(retryAfterMs({}, now), undefined);
  });

  it("ipv6 spellings/canonical/compare equal", () => {
    assert.equal(canonical("2001:DB8:0:0::7"), "2001:db8::7");
    assert.ok(sameSet(["2001:db8::7", "203.0.113.7"], ["203.0.113.7", "2001:0db8::0007"]));
    assert.ok(!sameSet(["203.0.113.7"], ["203.0.113.7", "203.0.113.8"]));
  });

  it("one record changed/reconcile/reuses its id", () => {
    assert.deepEqual(reconcile([{ id: "1", value: "192.0.2.1" }], ["192.0.2.2"]), {
      keep: [],
      updates: [{ id: "1", value: "192.0.2.2" }],
      creates: [],
      deletes: [],
    });
  });

  it("set grows and shrinks/reconcile/keeps matches, creates and deletes the rest", () => {
    const existing = [
      { id: "1", value: "192.0.2.1" },
      { id: "2", value: "192.0.2.2" },
      { id: "3", value: "192.0.2.2" },
    ];
    assert.deepEqual(reconcile(existing, ["192.0.2.2"]), { keep: [existing[1]], updates: [], creates: [], deletes: ["1", "3"] });
    assert.deepEqual(reconcile([], ["192.0.2.5", "192.0.2.6"]).creates, ["192.0.2.5", "192.0.2.6"]);
  });

  it("cached ids/encode then decode/round trip; garbage is null", () => {
    const ids = [
      { id: "17", value: "2001:db8::1" },
      { id: "ab-cd", value: "192.0.2.1" },
    ];
    assert.deepEqual(decodeIds(encodeIds(ids)), ids);
    assert.equal(decodeIds("17"), null);
    assert.equal(decodeIds(undefined), null);
  });

  it("names and zones/relativeName and zoneCandidates/apex is empty, no bare TLD", () => {
    assert.equal(relativeName("Home.Example.org.", "example.org"), "home");
    assert.equal(relativeName("example.org", "example.org"), "");
    assert.equal(relativeName("home.example.com", "example.org"), null);
    assert.deepEqual(zoneCandidates("a.b.example.org"), ["a.b.example.org", "b.example.org", "example.org"]);
  });
});
