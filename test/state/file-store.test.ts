import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile, symlink, chmod, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileStore } from "../../src/state/file-store.js";
import { acquireLock } from "../../src/state/lock.js";
import type { State } from "../../src/state/types.js";

const NOW = 1_800_000_000_000;
const sample: State = {
  version: 1,
  records: { "a.example.org/ipv4": { provider: "p", published: ["198.51.100.7"], failures: 0, pushedAt: NOW, cache: { zoneId: "z" } } },
};

describe("State - file store", () => {
  it("missing file/load/empty state, nothing written", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-state-"));
    const r = await createFileStore(dir, () => NOW).load();
    assert.equal(r.kind, "missing");
    assert.deepEqual(await readdir(dir), []);
  });

  it("saved state/load/round-trips, no temp file left", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-state-"));
    const store = createFileStore(dir, () => NOW);
    await store.save(sample);
    assert.deepEqual(await readdir(dir), ["state.json"]);
    const r = await store.load();
    assert.equal(r.kind, "ok");
    assert.deepEqual(r.state, sample);
  });

  it("config warnings told (kept in the state by a build of 2026-12-05, now on tmpfs)/load/dropped, not a corrupt state", async () => {
    const { validate } = await import("../../src/state/file-store.js");
    const loaded = validate(JSON.stringify({ ...sample, configWarnings: ["/etc/ddns/ddns.toml:7: records.ttl: duckdns takes no TTL"] }));
    assert.ok(typeof loaded !== "string");
    assert.deepEqual(loaded, sample);
  });

  for (const [what, text] of [
    ["truncated JSON", '{"version":1,"records":{"a'],
    ["wrong version", '{"version":9,"records":{}}'],
    ["bad record", '{"version":1,"records":{"x":{"provider":1}}}'],
    ["binary", "\u0000\u0001\u0002"],
  ] as const) {
    it(`${what}/load/set aside with a timestamp and rebuilt`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "ddns-state-"));
      await writeFile(join(dir, "state.json"), text);
      const r = await createFileStore(dir, () => NOW).load();
      assert.equal(r.kind, "corrupt");
      assert.deepEqual(r.state.records, {});
      const files = await readdir(dir);
      assert.equal(files.length, 1);
      assert.match(files[0] ?? "", /^state\.json\.corrupt-\d{4}-\d\d-\d\dT/);
      assert.equal(await readFile(join(dir, files[0]!), "utf8"), text, "the operator can still read what was there");
    });
  }

  it("symlinked state file/load/not followed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-state-"));
    await writeFile(join(dir, "target"), JSON.stringify(sample));
    await symlink(join(dir, "target"), join(dir, "state.json"));
    const r = await createFileStore(dir, () => NOW).load();
    assert.equal(r.kind, "corrupt");
  });

  it("read-only directory/save/clear error, previous state intact", { skip: process.getuid?.() === 0 ? "root ignores directory permissions" : false }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-state-"));
    const store = createFileStore(dir, () => NOW);
    await store.save(sample);
    await chmod(dir, 0o500);
    await assert.rejects(store.save({ version: 1, records: {} }), (e: Error & { code?: string }) => e.code === "STATE_UNWRITABLE");
    await chmod(dir, 0o700);
    assert.deepEqual((await store.load()).state, sample);
  });
});

describe("State - lock", () => {
  it("free/acquire/held for the second caller until released", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-lock-"));
    const path = join(dir, "ddns.lock");
    const a = await acquireLock(path, process.pid, NOW);
    assert.equal(a.kind, "acquired");
    const b = await acquireLock(path, process.ppid, NOW);
    assert.deepEqual(b, { kind: "held", pid: process.pid });
    if (a.kind === "acquired") await a.lock.release();
    const c = await acquireLock(path, process.ppid, NOW);
    assert.equal(c.kind, "acquired");
  });

  it("lock of a dead process/acquire/taken over", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-lock-"));
    const path = join(dir, "ddns.lock");
    await writeFile(path, "999999999\n");
    const r = await acquireLock(path, process.pid, (await stat(path)).mtimeMs + 10_000);
    assert.equal(r.kind, "acquired");
    assert.equal((await readFile(path, "utf8")).trim(), String(process.pid));
  });
});
