import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { reconcile, type ReconcileDeps } from "../../src/engine/reconcile.js";
import { plan } from "../../src/engine/plan.js";
import type { FamilyDetection } from "../../src/engine/types.js";
import { judge } from "../../src/engine/verify.js";
import type { Family } from "../../src/ip-source/types.js";
import type { RecordUpdate } from "../../src/provider/types.js";
import type { LoadResult, State, StateStore } from "../../src/state/types.js";
import { nextSlot, verifyPhase } from "../../src/verify/schedule.js";
import type { Served, VerifyTarget } from "../../src/verify/types.js";
import { config, providerEntry } from "../fakes/config.js";
import { MemoryLogger } from "../fakes/logger.js";
import { FakeProvider } from "../fakes/provider.js";

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;
const KEY = "a.example.org/ipv4";
const found = (a: string): Record<Family, FamilyDetection> => ({ ipv4: { kind: "found", source: "static", addresses: [a] }, ipv6: { kind: "disabled" } });
const published = (a: string, extra: Partial<State["records"][string]> = {}): State => ({
  version: 1,
  records: { [KEY]: { provider: "p", published: [a], failures: 0, pushedAt: NOW - 2 * DAY, ...extra } },
});
/** Phase 0: every record is due at each multiple of its interval. */
const schedule = (all = false) => ({ phase: () => 0, all });

class MemoryStore implements StateStore {
  readonly path = "/var/lib/ddns/state.json";
  readonly saves: State[] = [];
  constructor(private loaded: LoadResult) {}
  async load(): Promise<LoadResult> {
    return this.loaded;
  }
  async save(state: State): Promise<void> {
    this.saves.push(structuredClone(state));
  }
}

/** A verifier that answers as scripted and records what it was asked. */
function fakeVerifier(answer: (t: VerifyTarget) => Served) {
  const asked: VerifyTarget[][] = [];
  return {
    asked,
    check: async (targets: readonly VerifyTarget[]) => {
      asked.push([...targets]);
      return new Map(targets.map((t) => [t.key, answer(t)]));
    },
  };
}

function world(state: State, answer: (t: VerifyTarget) => Served, o: { all?: boolean; detected?: string; type?: string } = {}) {
  const provider = new FakeProvider();
  const store = new MemoryStore({ kind: "ok", state });
  const logger = new MemoryLogger();
  const verifier = fakeVerifier(answer);
  const seals: { changesAt: number | undefined; saved: boolean }[] = [];
  const deps: ReconcileDeps = {
    config: config([{ name: "a.example.org" }], [providerEntry("p", { type: o.type ?? "dyndns2" })]),
    now: () => NOW,
    random: () => 0.5,
    lock: { acquire: async () => ({ kind: "acquired", release: async () => {} }) },
    events: { claim: async () => ({ events: [], refused: [], warnings: [], finish: async () => {} }) },
    store,
    detect: async () => found(o.detected ?? "198.51.100.7"),
    provider: async () => provider,
    logger,
    status: () => {},
    signal: () => AbortSignal.timeout(1000),
    force: false,
    seal: { before: () => "key", after: (r) => void seals.push(r) },
    verify: { schedule: schedule(o.all), verifier },
  };
  return { deps, provider, store, logger, verifier, seals };
}

const served = (addresses: string[], via: "api" | "dns" = "dns"): Served => ({ kind: "served", via, addresses });

describe("Engine - drift checks", () => {
  it("check due, provider serves what was published/run/no push, the check saved, sealed until the next check", async () => {
    const w = world(published("198.51.100.7"), () => served(["198.51.100.7"]));
    assert.deepEqual(await reconcile(w.deps), { kind: "done", outcome: "ok", pushed: 0 });
    assert.equal(w.verifier.asked.length, 1);
    assert.equal(w.provider.calls.length, 0, "no drift: zero writes");
    assert.equal(w.store.saves.length, 1);
    assert.deepEqual(w.store.saves[0]!.records[KEY]?.verify, { at: NOW, result: "in-sync", via: "dns" });
    assert.equal(w.seals.length, 1);
    assert.equal(w.seals[0]!.changesAt, nextSlot(NOW, 0, DAY), "the seal ends when the next check falls due");
    assert.ok(w.seals[0]!.changesAt! > NOW);
  });

  it("checked within the interval/run/idle: no check, no save, the seal ends at the next slot", async () => {
    const w = world(published("198.51.100.7", { verify: { at: NOW - 1000, result: "in-sync", via: "dns" } }), () => served(["203.0.113.1"]));
    await reconcile(w.deps);
    assert.equal(w.verifier.asked.length, 0);
    assert.equal(w.store.saves.length, 0);
    assert.equal(w.seals[0]!.changesAt, nextSlot(NOW - 1000, 0, DAY));
  });

  it("provider serves another address/run/one repair push of the published address, record-repaired transition", async () => {
    const w = world(published("198.51.100.7", { cache: { zone: "z1", records: "old=192.0.2.9" } }), () => ({
      kind: "served",
      via: "api",
      addresses: ["192.0.2.9"],
      cache: { zone: "z1", records: "r1=192.0.2.9" },
    }));
    assert.deepEqual(await reconcile(w.deps), { kind: "done", outcome: "ok", pushed: 1 });
    assert.equal(w.provider.calls.length, 1);
    const u: RecordUpdate = w.provider.calls[0]![0]!;
    assert.deepEqual(u.addresses, ["198.51.100.7"]);
    assert.deepEqual(u.previous, ["192.0.2.9"], "the repair knows what was served");
    assert.deepEqual(u.cache, { zone: "z1", records: "r1=192.0.2.9" }, "with the ids the read just saw");
    assert.deepEqual(
      w.logger.transitions.map((t) => [t.kind, t.old, t.new]),
      [["record-repaired", "192.0.2.9", "198.51.100.7"]],
    );
    const last = w.store.saves.at(-1)!.records[KEY]!;
    assert.deepEqual(last.published, ["198.51.100.7"]);
    assert.equal(last.verify?.result, "drifted");
    assert.equal(last.verify?.detail, "192.0.2.9");
  });

  it("record deleted at the provider/run/recreated with one push, previous []", async () => {
    const w = world(published("198.51.100.7"), () => served([]));
    await reconcile(w.deps);
    assert.equal(w.provider.calls.length, 1);
    assert.deepEqual(w.provider.calls[0]![0]!.previous, []);
    assert.match(w.logger.transitions[0]!.message, /served no record instead of 198\.51\.100\.7/);
  });

  it("own push 5 minutes ago/run/not checked (propagating window), seal ends when it closes", async () => {
    const w = world(published("198.51.100.7", { pushedAt: NOW - 5 * 60_000 }), () => served(["192.0.2.9"]), {});
    await reconcile(w.deps);
    assert.equal(w.verifier.asked.length, 0);
    assert.equal(w.provider.calls.length, 0);
    assert.ok(w.seals[0]!.changesAt! >= NOW + 5 * 60_000 - 1);
  });

  it("--verify within our own push's TTL/run/checked, a difference is propagating: no repair", async () => {
    const w = world(published("198.51.100.7", { pushedAt: NOW - 60_000 }), () => served(["192.0.2.9"]), { all: true });
    await reconcile(w.deps);
    assert.equal(w.verifier.asked.length, 1);
    assert.equal(w.provider.calls.length, 0);
    assert.equal(w.store.saves[0]!.records[KEY]?.verify?.result, "propagating");
  });

  it("authoritative servers disagree/run/propagating, no repair", async () => {
    const w = world(published("198.51.100.7"), () => ({ kind: "propagating", via: "dns", reason: "ns1 serves 1, ns2 serves 2" }));
    await reconcile(w.deps);
    assert.equal(w.provider.calls.length, 0);
    assert.equal(w.store.saves[0]!.records[KEY]?.verify?.result, "propagating");
  });

  it("check cannot answer (timeout)/run/no push, exit ok, the reason kept for ddns status", async () => {
    const w = world(published("198.51.100.7"), () => ({ kind: "unknown", via: "api", reason: "cloudflare could not be reached: timeout" }), { type: "cloudflare" });
    assert.deepEqual(await reconcile(w.deps), { kind: "done", outcome: "ok", pushed: 0 });
    assert.equal(w.provider.calls.length, 0);
    assert.deepEqual(w.store.saves[0]!.records[KEY]?.verify, { at: NOW, result: "unknown", via: "api", detail: "cloudflare could not be reached: timeout" });
  });

  it("address changed and check due/run/the change is pushed, no check asked", async () => {
    const w = world(published("198.51.100.7"), () => served(["192.0.2.9"]), { detected: "198.51.100.8" });
    await reconcile(w.deps);
    assert.equal(w.verifier.asked.length, 0);
    assert.deepEqual(w.provider.calls[0]![0]!.addresses, ["198.51.100.8"]);
  });

  it("verify = off/plan/never a check, no time in the plan", () => {
    const c = config([{ name: "a.example.org", verify: "off" }]);
    const p = plan({ config: c, detected: found("198.51.100.7"), state: published("198.51.100.7"), now: NOW, force: false, verify: schedule(true) });
    assert.deepEqual(p.actions.map((a) => a.kind), ["noop"]);
    assert.equal(p.changesAt, undefined);
  });

  it("api provider, auto/plan/checked via api; dyndns2/plan/via dns; rfc2136/plan/its configured primary", () => {
    const kinds = ["cloudflare", "dyndns2", "rfc2136"].map((type) => {
      const c = config([{ name: "a.example.org" }], [providerEntry("p", { type, values: { type, server: "192.0.2.53:5353" } })]);
      const a = plan({ config: c, detected: found("198.51.100.7"), state: published("198.51.100.7"), now: NOW, force: false, verify: schedule() }).actions[0]!;
      return a.kind === "verify" ? [a.via, a.server ?? null] : [a.kind];
    });
    assert.deepEqual(kinds, [["api", null], ["dns", null], ["dns", { host: "192.0.2.53", port: 5353 }]]);
  });

  it("judge/IPv6 spelled differently/in-sync", () => {
    assert.deepEqual(judge(["2001:db8::1"], served(["2001:0db8:0:0::1"]), NOW, 0), { kind: "in-sync" });
  });
});

describe("Engine - drift check schedule", () => {
  it("a fleet of 2000 hosts/phase of one record/spread over the whole day (each hour 40-130 hosts)", () => {
    const hours = new Array<number>(24).fill(0);
    for (let i = 0; i < 2000; i++) {
      const id = (i * 2654435761 >>> 0).toString(16).padStart(32, "0"); // distinct machine ids
      const phase = verifyPhase(id, "home.example.org/ipv4", DAY);
      assert.ok(phase >= 0 && phase < DAY);
      hours[Math.floor(phase / 3_600_000)]!++;
    }
    // Uniform would be 83 per hour; a fleet asking in the same hour would put 2000 in one.
    for (const n of hours) assert.ok(n >= 40 && n <= 130, `hours: ${hours.join(",")}`);
  });

  it("one host, two records/phase/different, and stable from run to run", () => {
    const a = verifyPhase("0123456789abcdef0123456789abcdef", "a.example.org/ipv4", DAY);
    const b = verifyPhase("0123456789abcdef0123456789abcdef", "b.example.org/ipv4", DAY);
    assert.notEqual(a, b);
    assert.equal(verifyPhase("0123456789abcdef0123456789abcdef", "a.example.org/ipv4", DAY), a);
  });

  it("nextSlot/after a check late in its slot/the next slot keeps the phase, at most one check per slot", () => {
    const phase = 5 * 3_600_000;
    const slot = nextSlot(NOW, phase, DAY);
    assert.equal((slot - phase) % DAY, 0);
    assert.ok(slot > NOW && slot <= NOW + DAY);
    assert.equal(nextSlot(slot + 60_000, phase, DAY), slot + DAY);
    assert.equal(nextSlot(slot, phase, DAY), slot + DAY);
  });

  it("a host's records with one hostId/run twice a day/each record checked at most once per interval", () => {
    // Simulated timer runs every 15 minutes for 3 days: checks per record counted.
    const c = config([{ name: "a.example.org" }, { name: "b.example.org" }]);
    let state: State = {
      version: 1,
      records: {
        [KEY]: { provider: "p", published: ["198.51.100.7"], failures: 0, pushedAt: NOW },
        "b.example.org/ipv4": { provider: "p", published: ["198.51.100.7"], failures: 0, pushedAt: NOW },
      },
    };
    const s = { phase: (key: string, ms: number) => verifyPhase("host-1", key, ms), all: false };
    const checks: Record<string, number[]> = {};
    for (let t = NOW; t < NOW + 3 * DAY; t += 15 * 60_000) {
      const p = plan({ config: c, detected: found("198.51.100.7"), state, now: t, force: false, verify: s });
      for (const a of p.actions) {
        if (a.kind !== "verify") continue;
        (checks[a.key] ??= []).push(t);
        state = { ...state, records: { ...state.records, [a.key]: { ...state.records[a.key]!, verify: { at: t, result: "in-sync", via: "dns" } } } };
      }
    }
    for (const times of Object.values(checks)) {
      assert.equal(times.length, 3, "one check a day");
      for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= DAY - 15 * 60_000);
    }
    assert.notDeepEqual(checks[KEY], checks["b.example.org/ipv4"], "two records of one host come due at different times");
  });
});
