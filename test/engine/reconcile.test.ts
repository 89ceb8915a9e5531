import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { reconcile, type ReconcileDeps } from "../../src/engine/reconcile.js";
import type { FamilyDetection } from "../../src/engine/types.js";
import type { EventRecord, Family } from "../../src/ip-source/types.js";
import type { LoadResult, State, StateStore } from "../../src/state/types.js";
import { config } from "../fakes/config.js";
import { FakeProvider } from "../fakes/provider.js";
import { MemoryLogger } from "../fakes/logger.js";

const NOW = 1_800_000_000_000;
const found = (a: string): Record<Family, FamilyDetection> => ({ ipv4: { kind: "found", source: "static", addresses: [a] }, ipv6: { kind: "disabled" } });
const published = (a: string): State => ({ version: 1, records: { "a.example.org/ipv4": { provider: "p", published: [a], failures: 0, pushedAt: NOW - 1000 } } });

/** A StateStore in memory that records every save. */
class MemoryStore implements StateStore {
  readonly path = "/var/lib/ddns/state.json";
  readonly saves: State[] = [];
  constructor(private loaded: LoadResult) {}
  async load(): Promise<LoadResult> {
    return this.loaded;
  }
  readonly durable: boolean[] = [];
  async save(state: State, opts?: { durable?: boolean }): Promise<void> {
    this.saves.push(structuredClone(state));
    this.durable.push(opts?.durable !== false);
  }
}

/** Fakes for every collaborator; `log` is the order in which they were used. */
function world(o: { state?: LoadResult; detected?: Record<Family, FamilyDetection>; held?: number; events?: EventRecord[]; sealable?: boolean }) {
  const log: string[] = [];
  const provider = new FakeProvider();
  const store = new MemoryStore(o.state ?? { kind: "missing", state: { version: 1, records: {} } });
  const logger = new MemoryLogger();
  const status: string[] = [];
  const seals: unknown[] = [];
  const deps: ReconcileDeps = {
    config: config([{ name: "a.example.org" }]),
    now: () => NOW,
    random: () => 0.5,
    lock: {
      acquire: async () => {
        log.push("lock");
        if (o.held !== undefined) return { kind: "held", pid: o.held };
        return { kind: "acquired", release: async () => void log.push("release") };
      },
    },
    events: {
      claim: async () => {
        log.push("claim");
        return { events: o.events ?? [], refused: [], warnings: [], finish: async () => void log.push("finish") };
      },
    },
    store,
    detect: async () => {
      log.push("detect");
      return o.detected ?? found("198.51.100.7");
    },
    provider: async () => provider,
    logger,
    status: (t) => status.push(t),
    signal: () => AbortSignal.timeout(1000),
    force: false,
  };
  if (o.sealable !== false) {
    deps.seal = {
      before: () => (log.push("seal-before"), "key"),
      after: (r) => void seals.push(r),
    };
  }
  return { deps, log, provider, store, logger, status, seals };
}

describe("Engine - reconcile", () => {
  it("lock held/run/busy, nothing claimed, nothing detected", async () => {
    const w = world({ held: 4242 });
    assert.deepEqual(await reconcile(w.deps), { kind: "busy", pid: 4242 });
    assert.deepEqual(w.log, ["lock"]);
  });

  it("address as published/run/idle: no provider, no save, sealed, events finished, lock released", async () => {
    const w = world({ state: { kind: "ok", state: published("198.51.100.7") } });
    assert.deepEqual(await reconcile(w.deps), { kind: "done", outcome: "ok", pushed: 0 });
    assert.equal(w.provider.calls.length, 0);
    assert.equal(w.store.saves.length, 0);
    assert.deepEqual(w.status, []);
    assert.equal(w.seals.length, 1);
    assert.deepEqual(w.log, ["lock", "claim", "seal-before", "detect", "finish", "release"]);
  });

  it("an event claimed/idle run/no seal snapshot (the seal covers an empty events directory only)", async () => {
    const ev: EventRecord = { file: "eth0", source: "networkmanager", iface: "eth0", action: "up", ipv4: ["198.51.100.7"], ipv6: [], time: 1 } as EventRecord;
    const w = world({ state: { kind: "ok", state: published("198.51.100.7") }, events: [ev] });
    await reconcile(w.deps);
    assert.equal(w.seals.length, 0);
    assert.ok(!w.log.includes("seal-before"));
  });

  it("address changed/run/intent saved before the push, one push, final save, status told", async () => {
    const w = world({ state: { kind: "ok", state: published("198.51.100.7") }, detected: found("198.51.100.8") });
    assert.deepEqual(await reconcile(w.deps), { kind: "done", outcome: "ok", pushed: 1 });
    assert.equal(w.provider.calls.length, 1);
    assert.equal(w.store.saves.length, 2);
    assert.equal(w.store.saves[0]!.records["a.example.org/ipv4"]?.published, null, "the intent: what the provider holds is unknown");
    assert.deepEqual(w.store.saves[1]!.records["a.example.org/ipv4"]?.published, ["198.51.100.8"]);
    assert.deepEqual(w.store.durable, [false, true], "the intent is not fsynced, the final save is");
    assert.deepEqual(w.status, ["updating 1 record(s)", "records current"]);
    assert.equal(w.seals.length, 0, "a pushing run seals nothing");
  });

  it("what started a run/events, a push, ddns.path without events, the timer, a person", async () => {
    const { causeOf } = await import("../../src/engine/reconcile.js");
    const ev = { file: "eth0", source: "networkmanager" as const, ipv4: [], ipv6: [] };
    assert.equal(causeOf([ev], "ddns.path"), "event");
    assert.equal(causeOf([ev, { ...ev, source: "push" as const }], "ddns.path"), "push");
    assert.equal(causeOf([], "ddns.path"), "config");
    assert.equal(causeOf([], "ddns.timer"), "timer");
    assert.equal(causeOf([], undefined), "manual");
  });

  it("address changed, started by the timer/run/the final save says so for ddns status", async () => {
    const w = world({ state: { kind: "ok", state: published("198.51.100.7") }, detected: found("198.51.100.8") });
    await reconcile({ ...w.deps, triggerUnit: "ddns.timer" });
    assert.equal(w.store.saves.at(-1)!.lastRun?.cause, "timer");
  });

  it("corrupt state/run/one state-reset transition, a first push", async () => {
    const w = world({ state: { kind: "corrupt", state: { version: 1, records: {} }, setAside: "/var/lib/ddns/state.json.corrupt-1", reason: "not JSON" } });
    await reconcile(w.deps);
    assert.deepEqual(w.logger.transitions.map((t) => t.kind), ["state-reset", "record-updated"]);
    assert.equal(w.seals.length, 0);
  });

  it("provider throws/run/events finished and lock released all the same", async () => {
    const w = world({ detected: found("198.51.100.9") });
    w.deps.provider = async () => {
      throw new Error("boom");
    };
    await reconcile(w.deps).catch(() => undefined);
    assert.deepEqual(w.log.slice(-2), ["finish", "release"]);
  });

  describe("config warnings (issue 14): logged once, not on every run, remembered on tmpfs (never the state)", () => {
    const W = { line: 7, key: "records.ttl", message: "duckdns takes no TTL: ...; this ttl is ignored", record: "a.example.org", text: "/etc/ddns/ddns.toml:7: records.ttl: duckdns takes no TTL: ...; this ttl is ignored" };
    /** The run directory's list (cli/run.ts keeps it in /run/ddns). */
    const toldStore = (initial?: string[]) => {
      const writes: string[][] = [];
      let kept = initial;
      return {
        writes,
        told: { read: () => kept, write: (l: readonly string[]) => void writes.push((kept = [...l])) },
      };
    };

    it("a warning not yet told/idle run/one config-warning transition (priority 4, the record), kept on tmpfs, the state not written, sealed", async () => {
      const w = world({ state: { kind: "ok", state: published("198.51.100.7") } });
      const t = toldStore();
      w.deps.config.warnings = [W];
      await reconcile({ ...w.deps, toldWarnings: t.told });
      const told = w.logger.transitions.filter((x) => x.kind === "config-warning");
      assert.equal(told.length, 1);
      assert.equal(told[0]!.message, W.text);
      assert.equal(told[0]!.priority, 4);
      assert.equal(told[0]!.record, "a.example.org");
      assert.deepEqual(t.writes, [[W.text]]);
      assert.equal(w.store.saves.length, 0, "a run with nothing to do writes no state, the first after a config edit included");
      assert.equal(w.seals.length, 1, "the next quiet run is sealed and parses nothing");
    });

    it("the same warning already told/idle run/nothing logged, nothing written anywhere", async () => {
      const w = world({ state: { kind: "ok", state: published("198.51.100.7") } });
      const t = toldStore([W.text]);
      w.deps.config.warnings = [W];
      await reconcile({ ...w.deps, toldWarnings: t.told });
      assert.equal(w.logger.transitions.length, 0);
      assert.equal(w.store.saves.length, 0);
      assert.equal(t.writes.length, 0);
    });

    it("the warning moved to another line/run/told again; gone from the config/forgotten, so it is told if it comes back", async () => {
      const moved = { ...W, line: 9, text: W.text.replace(":7:", ":9:") };
      const w = world({ state: { kind: "ok", state: published("198.51.100.7") } });
      const t = toldStore([W.text]);
      w.deps.config.warnings = [moved];
      await reconcile({ ...w.deps, toldWarnings: t.told });
      assert.deepEqual(w.logger.transitions.map((x) => x.message), [moved.text]);
      assert.deepEqual(t.writes.at(-1), [moved.text]);

      const gone = world({ state: { kind: "ok", state: published("198.51.100.7") } });
      const g = toldStore([W.text]);
      await reconcile({ ...gone.deps, toldWarnings: g.told });
      assert.equal(gone.logger.transitions.length, 0);
      assert.deepEqual(g.writes, [[]]);
    });

    it("the run directory cannot be written/idle run/told, the run goes on; without the collaborator each run tells", async () => {
      const w = world({ state: { kind: "ok", state: published("198.51.100.7") } });
      w.deps.config.warnings = [W];
      const r = await reconcile({
        ...w.deps,
        toldWarnings: {
          read: () => undefined,
          write: () => {
            throw new Error("EROFS");
          },
        },
      });
      assert.equal(r.kind, "done");
      assert.equal(w.logger.transitions.filter((x) => x.kind === "config-warning").length, 1);
    });

    it("a pushing run/warning told once, and not in the pushed state", async () => {
      const w = world({ state: { kind: "ok", state: published("198.51.100.7") }, detected: found("198.51.100.8") });
      const t = toldStore();
      w.deps.config.warnings = [W];
      await reconcile({ ...w.deps, toldWarnings: t.told });
      assert.equal(w.logger.transitions.filter((x) => x.kind === "config-warning").length, 1);
      assert.equal("configWarnings" in w.store.saves.at(-1)!, false);
    });
  });
});
