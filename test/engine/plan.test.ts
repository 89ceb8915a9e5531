import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { plan } from "../../src/engine/plan.js";
import type { FamilyDetection } from "../../src/engine/types.js";
import type { Family } from "../../src/ip-source/types.js";
import type { State } from "../../src/state/types.js";
import { config, providerEntry } from "../fakes/config.js";

const NOW = 1_800_000_000_000;
const found = (a: string): Record<Family, FamilyDetection> => ({
  ipv4: { kind: "found", source: "static", addresses: [a, "198.51.100.99"] },
  ipv6: { kind: "disabled" },
});
const state = (records: State["records"] = {}): State => ({ version: 1, records });

describe("Engine - plan", () => {
  it("no state/plan/pushes the first address", () => {
    const p = plan({ config: config([{ name: "a.example.org" }]), detected: found("198.51.100.7"), state: state(), now: NOW, force: false });
    assert.equal(p.idle, false);
    assert.deepEqual(
      p.actions.map((a) => (a.kind === "push" ? [a.kind, a.key, a.addresses, a.why] : [a.kind])),
      [["push", "a.example.org/ipv4", ["198.51.100.7"], "first"]],
    );
  });

  it("state current/plan/idle", () => {
    const s = state({ "a.example.org/ipv4": { provider: "p", published: ["198.51.100.7"], failures: 0, pushedAt: NOW - 1000 } });
    const p = plan({ config: config([{ name: "a.example.org" }]), detected: found("198.51.100.7"), state: s, now: NOW, force: false });
    assert.equal(p.idle, true);
    assert.equal(p.actions[0]?.kind, "noop");
  });

  it("address changed/plan/push changed with previous", () => {
    const s = state({ "a.example.org/ipv4": { provider: "p", published: ["198.51.100.7"], failures: 0 } });
    const p = plan({ config: config([{ name: "a.example.org" }]), detected: found("198.51.100.8"), state: s, now: NOW, force: false });
    const a = p.actions[0];
    assert.equal(a?.kind, "push");
    if (a?.kind === "push") {
      assert.equal(a.why, "changed");
      assert.deepEqual(a.previous, ["198.51.100.7"]);
    }
  });

  it("source unavailable/plan/leaves the record alone", () => {
    const p = plan({
      config: config([{ name: "a.example.org" }]),
      detected: { ipv4: { kind: "unavailable", source: "interface", reason: "no address" }, ipv6: { kind: "disabled" } },
      state: state(),
      now: NOW,
      force: false,
    });
    assert.deepEqual(p.actions.map((a) => a.kind), ["noop"]);
    assert.equal(p.idle, true);
  });

  it("inside backoff/plan/waits even though the address changed", () => {
    const s = state({ "a.example.org/ipv4": { provider: "p", published: ["198.51.100.7"], failures: 2, retryAt: NOW + 60_000 } });
    const p = plan({ config: config([{ name: "a.example.org" }]), detected: found("198.51.100.8"), state: s, now: NOW, force: true });
    assert.equal(p.actions[0]?.kind, "wait");
    assert.equal(p.idle, true);
    assert.equal(p.changesAt, NOW + 60_000, "the same inputs plan otherwise when the backoff ends");
  });

  it("backoff over/plan/retries", () => {
    const s = state({ "a.example.org/ipv4": { provider: "p", published: ["198.51.100.7"], failures: 2, retryAt: NOW - 1 } });
    const p = plan({ config: config([{ name: "a.example.org" }]), detected: found("198.51.100.8"), state: s, now: NOW, force: false });
    assert.equal(p.actions[0]?.kind === "push" && p.actions[0].why, "retry");
  });

  it("latched with same config/plan/holds even with --force", () => {
    const s = state({
      "a.example.org/ipv4": { provider: "p", published: null, failures: 0, latched: { reason: "badauth", at: NOW - 5, fingerprint: "fp-p" } },
    });
    const p = plan({ config: config([{ name: "a.example.org" }]), detected: found("198.51.100.8"), state: s, now: NOW, force: true });
    assert.equal(p.actions[0]?.kind, "latched");
    assert.equal(p.changesAt, undefined, "a latch does not end by time");
  });

  it("latched and config changed/plan/pushes again", () => {
    const s = state({
      "a.example.org/ipv4": { provider: "p", published: ["198.51.100.8"], failures: 0, latched: { reason: "badauth", at: NOW - 5, fingerprint: "old" } },
    });
    const p = plan({ config: config([{ name: "a.example.org" }]), detected: found("198.51.100.8"), state: s, now: NOW, force: false });
    assert.equal(p.actions[0]?.kind === "push" && p.actions[0].why, "unlatched");
  });

  it("current but refresh due/plan/pushes refresh once", () => {
    const cfg = config([{ name: "a.example.org" }], [providerEntry("p", { refreshDays: 25 })]);
    const day = 86_400_000;
    const current = { provider: "p", published: ["198.51.100.7"], failures: 0 };
    const due = plan({ config: cfg, detected: found("198.51.100.7"), state: state({ "a.example.org/ipv4": { ...current, pushedAt: NOW - 25 * day } }), now: NOW, force: false });
    assert.equal(due.actions[0]?.kind === "push" && due.actions[0].why, "refresh");
    const notDue = plan({ config: cfg, detected: found("198.51.100.7"), state: state({ "a.example.org/ipv4": { ...current, pushedAt: NOW - 24 * day } }), now: NOW, force: false });
    assert.equal(notDue.idle, true);
    assert.equal(notDue.changesAt, NOW + day, "due a day later");
  });

  it("record moved to another provider entry/plan/pushes there", () => {
    const s = state({ "a.example.org/ipv4": { provider: "old", published: ["198.51.100.7"], failures: 0 } });
    const p = plan({ config: config([{ name: "a.example.org" }]), detected: found("198.51.100.7"), state: s, now: NOW, force: false });
    assert.equal(p.actions[0]?.kind, "push");
  });

  it("provider entry's fingerprint changed (token rotated)/plan/no push", () => {
    const s = state({ "a.example.org/ipv4": { provider: "p", published: ["198.51.100.7"], failures: 0, pushedAt: NOW } });
    const cfg = config([{ name: "a.example.org" }], [providerEntry("p", { fingerprint: "rotated" })]);
    const p = plan({ config: cfg, detected: found("198.51.100.7"), state: s, now: NOW, force: false });
    assert.equal(p.idle, true);
  });

  it("force/plan/pushes a current record", () => {
    const s = state({ "a.example.org/ipv4": { provider: "p", published: ["198.51.100.7"], failures: 0 } });
    const p = plan({ config: config([{ name: "a.example.org" }]), detected: found("198.51.100.7"), state: s, now: NOW, force: true });
    assert.equal(p.actions[0]?.kind === "push" && p.actions[0].why, "force");
  });
});
