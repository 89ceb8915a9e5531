import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { intakePushes } from "../../src/engine/pushes.js";
import type { EventRecord } from "../../src/ip-source/types.js";
import { config } from "../fakes/config.js";

const push = (name: string, ipv4: string[], time = 100): EventRecord => ({ file: name, source: "push", name, ipv4, ipv6: [], time });

describe("Engine - pushes", () => {
  const cfg = { ...config([{ name: "a.example.org" }, { name: "b.example.org" }]), push: { names: ["a.example.org"] } };

  it("push for a listed name/intake/that name gets the address", () => {
    const r = intakePushes([push("a.example.org", ["81.2.69.7"])], cfg, undefined);
    assert.deepEqual([...r.pushed], [["a.example.org", { ipv4: ["81.2.69.7"] }]]);
    assert.deepEqual(r.seen, { "a.example.org": { address: "81.2.69.7", at: 100_000 } });
    assert.deepEqual(r.refused, []);
  });
  it("push with its sender/intake/the sender is remembered for ddns status", () => {
    const r = intakePushes([{ ...push("a.example.org", ["81.2.69.7"]), from: "198.51.100.1" }], cfg, undefined);
    assert.deepEqual(r.seen, { "a.example.org": { address: "81.2.69.7", at: 100_000, from: "198.51.100.1" } });
  });
  it("push for an unlisted name/intake/ignored with a sentence", () => {
    const r = intakePushes([push("b.example.org", ["81.2.69.7"])], cfg, undefined);
    assert.equal(r.pushed.size, 0);
    assert.match(r.refused[0] ?? "", /not listed in \[push\] names/);
  });
  it("push of a private address/intake/refused like any event address", () => {
    const r = intakePushes([push("a.example.org", ["192.168.1.1"])], cfg, undefined);
    assert.equal(r.pushed.size, 0);
    assert.match(r.refused[0] ?? "", /unusable ipv4/);
  });
  it("two pushes for one name/intake/newest wins", () => {
    const r = intakePushes([push("a.example.org", ["81.2.69.8"], 200), push("a.example.org", ["81.2.69.7"], 100)], cfg, undefined);
    assert.deepEqual(r.pushed.get("a.example.org"), { ipv4: ["81.2.69.8"] });
  });
  it("no push this run/intake/the last pushed address still holds (a failed run retries it)", () => {
    const r = intakePushes([], cfg, { "a.example.org": { address: "81.2.69.2 2a01:4f8::5", at: 2 } });
    assert.deepEqual(r.pushed.get("a.example.org"), { ipv4: ["81.2.69.2"], ipv6: ["2a01:4f8::5"] });
  });
  it("router repeats the same address/intake/time kept, so state is not rewritten", () => {
    const r = intakePushes([push("a.example.org", ["81.2.69.2"], 999)], cfg, { "a.example.org": { address: "81.2.69.2", at: 2000 } });
    assert.deepEqual(r.seen, { "a.example.org": { address: "81.2.69.2", at: 2000 } });
  });
  it("IPv4-only push after a dual-stack one/intake/IPv6 kept", () => {
    const r = intakePushes([push("a.example.org", ["81.2.69.3"], 999)], cfg, { "a.example.org": { address: "81.2.69.2 2a01:4f8::5", at: 2000 } });
    assert.deepEqual(r.pushed.get("a.example.org"), { ipv4: ["81.2.69.3"], ipv6: ["2a01:4f8::5"] });
    assert.equal(r.seen?.["a.example.org"]?.address, "81.2.69.3 2a01:4f8::5");
  });
  it("remembered push of a name no longer listed/intake/dropped", () => {
    const r = intakePushes([], cfg, { "gone.example.org": { address: "81.2.69.1", at: 1 }, "a.example.org": { address: "81.2.69.2", at: 2 } });
    assert.deepEqual(r.seen, { "a.example.org": { address: "81.2.69.2", at: 2 } });
  });
});
