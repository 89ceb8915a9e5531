import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execute } from "../../src/engine/execute.js";
import { plan } from "../../src/engine/plan.js";
import type { FamilyDetection } from "../../src/engine/types.js";
import type { Family } from "../../src/ip-source/types.js";
import type { State } from "../../src/state/types.js";
import { MESSAGE_IDS } from "../../src/log/message-ids.js";
import { config } from "../fakes/config.js";
import { FakeProvider } from "../fakes/provider.js";
import { MemoryLogger } from "../fakes/logger.js";

const NOW = 1_800_000_000_000;
const det = (a: string): Record<Family, FamilyDetection> => ({ ipv4: { kind: "found", source: "static", addresses: [a] }, ipv6: { kind: "disabled" } });

async function once(records: string[], addr: string, state: State, provider: FakeProvider) {
  const cfg = config(records.map((name) => ({ name })));
  const logger = new MemoryLogger();
  const p = plan({ config: cfg, detected: det(addr), state, now: NOW, force: false });
  const r = await execute(p, state, {
    config: cfg,
    now: () => NOW,
    random: () => 0.5,
    provider: async () => provider,
    logger,
    signal: AbortSignal.timeout(1000),
  });
  return { ...r, logger };
}

describe("Engine - execute", () => {
  it("two records of one provider/push/one call with both", async () => {
    const fp = new FakeProvider();
    const r = await once(["a.example.org", "b.example.org"], "198.51.100.7", { version: 1, records: {} }, fp);
    assert.equal(fp.calls.length, 1);
    assert.deepEqual(fp.calls[0]?.map((u) => u.name), ["a.example.org", "b.example.org"]);
    assert.equal(r.outcome, "ok");
    assert.deepEqual(r.state.records["a.example.org/ipv4"]?.published, ["198.51.100.7"]);
    assert.equal(r.logger.transitions.length, 2);
    assert.equal(r.logger.transitions[0]?.kind, "record-updated");
    assert.equal(MESSAGE_IDS["record-updated"].length, 32);
  });

  it("cache returned/push/is handed back next time", async () => {
    const fp = new FakeProvider();
    fp.next = () => ({ kind: "updated", cache: { zoneId: "z1", recordId: "r1" } });
    const first = await once(["a.example.org"], "198.51.100.7", { version: 1, records: {} }, fp);
    fp.next = () => ({ kind: "updated" });
    const second = await once(["a.example.org"], "198.51.100.8", first.state, fp);
    assert.deepEqual(fp.calls[1]?.[0]?.cache, { zoneId: "z1", recordId: "r1" });
    assert.deepEqual(second.state.records["a.example.org/ipv4"]?.cache, { zoneId: "z1", recordId: "r1" });
  });

  it("transient/push/backs off, logs once, exits transient", async () => {
    const fp = new FakeProvider();
    fp.next = () => ({ kind: "transient", reason: "HTTP 503", retryAfterMs: 30 * 60_000 });
    const r1 = await once(["a.example.org"], "198.51.100.7", { version: 1, records: {} }, fp);
    const rs = r1.state.records["a.example.org/ipv4"];
    assert.equal(r1.outcome, "transient");
    assert.equal(rs?.failures, 1);
    assert.ok((rs?.retryAt ?? 0) >= NOW + 30 * 60_000, "retry-after is a floor");
    assert.equal(r1.logger.transitions[0]?.kind, "push-failed");
    // Same failure again (backoff elapsed): no second journal line.
    const again = { ...r1.state, records: { "a.example.org/ipv4": { ...rs!, retryAt: NOW - 1 } } };
    const r2 = await once(["a.example.org"], "198.51.100.7", again, fp);
    assert.equal(r2.state.records["a.example.org/ipv4"]?.failures, 2);
    assert.equal(r2.logger.transitions.length, 0);
  });

  it("permanent/push/latches with the entry's fingerprint", async () => {
    const fp = new FakeProvider();
    fp.next = () => ({ kind: "permanent", reason: "the provider answered badauth" });
    const r = await once(["a.example.org"], "198.51.100.7", { version: 1, records: {} }, fp);
    assert.equal(r.outcome, "permanent");
    assert.equal(r.state.records["a.example.org/ipv4"]?.latched?.fingerprint, "fp-p");
    assert.equal(r.logger.transitions[0]?.kind, "record-latched");
    assert.equal(r.logger.transitions[0]?.priority, 3);
  });

  it("failing then success with same address/push/recovered", async () => {
    const fp = new FakeProvider();
    const s: State = { version: 1, records: { "a.example.org/ipv4": { provider: "p", published: ["198.51.100.6"], failures: 1, retryAt: NOW - 1 } } };
    const r = await once(["a.example.org"], "198.51.100.7", s, fp);
    assert.equal(r.logger.transitions[0]?.kind, "record-updated");
    assert.equal(r.state.records["a.example.org/ipv4"]?.failures, 0);
    assert.equal(r.state.records["a.example.org/ipv4"]?.retryAt, undefined);
  });
});

describe("Engine - backoff", () => {
  it("huge retry-after/backoff/capped at one day", async () => {
    const { retryAt, RETRY_AFTER_CAP_MS } = await import("../../src/engine/backoff.js");
    assert.equal(retryAt(1, 0, () => 0.5, 10 * 365 * 86_400_000), RETRY_AFTER_CAP_MS);
  });
  it("failures grow/backoff/doubles from a minute, capped at six hours, jitter within ±20%", async () => {
    const { retryAt, BACKOFF_CAP_MS } = await import("../../src/engine/backoff.js");
    assert.equal(retryAt(1, 0, () => 0.5), 60_000);
    assert.equal(retryAt(3, 0, () => 0.5), 240_000);
    assert.equal(retryAt(30, 0, () => 0.5), BACKOFF_CAP_MS);
    assert.equal(retryAt(1, 0, () => 0), 48_000);
    assert.equal(retryAt(1, 0, () => 0.999999), 71_999.99 > 0 ? Math.round(60_000 * (0.8 + 0.4 * 0.999999)) : 0);
  });
});

describe("Engine - issue 14 outcomes", () => {
  const both = (v4: string, v6: string): Record<Family, FamilyDetection> => ({
    ipv4: { kind: "found", source: "static", addresses: [v4] },
    ipv6: { kind: "found", source: "static", addresses: [v6] },
  });
  async function run(state: State, fp: FakeProvider, d: Record<Family, FamilyDetection>, now = NOW) {
    const cfg = config([{ name: "a.example.org", families: ["ipv4", "ipv6"] }]);
    const logger = new MemoryLogger();
    const p = plan({ config: cfg, detected: d, state, now, force: false });
    const r = await execute(p, state, { config: cfg, now: () => now, random: () => 0.5, provider: async () => fp, logger, signal: AbortSignal.timeout(1000) });
    return { ...r, logger, plan: p };
  }

  it("only IPv4 changed/push/the update carries the published AAAA as its sibling", async () => {
    const fp = new FakeProvider();
    const s1 = (await run({ version: 1, records: {} }, fp, both("198.51.100.7", "2001:db8::7"))).state;
    assert.deepEqual(fp.calls[0]?.map((u) => u.sibling), [undefined, undefined], "both due: no sibling");
    await run(s1, fp, both("198.51.100.8", "2001:db8::7"));
    assert.deepEqual(fp.calls[1]?.map((u) => [u.family, u.sibling]), [["ipv4", { family: "ipv6", addresses: ["2001:db8::7"] }]]);
  });

  it("held (good <other address>)/push/recorded, warned once, no resend until the address changes", async () => {
    const fp = new FakeProvider();
    fp.next = (u) => (u.family === "ipv4" ? { kind: "held", reason: "answered good 203.0.113.9", answered: ["203.0.113.9"] } : { kind: "updated" });
    const r1 = await run({ version: 1, records: {} }, fp, both("198.51.100.7", "2001:db8::7"));
    const rs = r1.state.records["a.example.org/ipv4"];
    assert.deepEqual(rs?.published, ["203.0.113.9"]);
    assert.deepEqual(rs?.held?.addresses, ["198.51.100.7"]);
    assert.equal(r1.logger.transitions.filter((t) => t.family === "ipv4").length, 1);
    const r2 = await run(r1.state, fp, both("198.51.100.7", "2001:db8::7"), NOW + 86_400_000);
    assert.equal(fp.calls.length, 1, "no request while the inputs are the same");
    assert.equal(r2.plan.actions.find((a) => a.family === "ipv4")?.kind, "noop");
    assert.equal(r2.logger.transitions.length, 0, "warned once");
    fp.next = () => ({ kind: "updated" });
    await run(r2.state, fp, both("198.51.100.8", "2001:db8::7"), NOW + 86_400_000);
    assert.equal(fp.calls.length, 2, "a new address is sent");
  });

  it("account-wide wait (Cloudflare 429)/push/persisted; every record of the entry waits until then", async () => {
    const fp = new FakeProvider();
    fp.next = () => ({ kind: "transient", reason: "HTTP 429", retryAfterMs: 600_000, account: true });
    const r1 = await run({ version: 1, records: {} }, fp, both("198.51.100.7", "2001:db8::7"));
    assert.equal(r1.state.accounts?.["p"]?.retryAt, NOW + 600_000);
    // A record that was current becomes due (new address) before the floor: it waits too.
    const r2 = await run(r1.state, fp, both("198.51.100.9", "2001:db8::9"), NOW + 300_000);
    assert.equal(fp.calls.length, 1);
    assert.ok(r2.plan.actions.every((a) => a.kind === "wait" && a.until === NOW + 600_000));
    fp.next = () => ({ kind: "updated" });
    await run(r2.state, fp, both("198.51.100.9", "2001:db8::9"), NOW + 600_001);
    assert.equal(fp.calls.length, 2);
  });
});
