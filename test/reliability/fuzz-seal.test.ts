import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, readFile, rm, writeFile, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { quiet } from "../../src/quick.js";
import { MAX_SEAL_MS, parseSeal, SEAL_FILE, SEAL_FORMAT, sealKey, writeSeal, type Seal, type SealScope } from "../../src/state/idle-seal.js";
import { BUILD } from "../../src/version.js";
import { count } from "./fixture.js";
import { assertNoSecrets } from "../helpers/secrets.js";
import { rng, type Rng } from "./rng.js";

/*
 * The idle seal is a file in the state directory that lets a run skip everything.
 * Whatever it holds, the shortcut (src/quick.ts) must never be taken unless the seal
 * states exactly the inputs as they are now: a hostile, corrupt, stale or foreign seal
 * means a full run. Mutated seals are fed to the real check, in process.
 */
const CASES = count(5000, 800);
const SEED = Number(process.env["DDNS_FUZZ_SEED"] ?? 20261127);

interface World {
  argv: string[];
  env: NodeJS.ProcessEnv;
  scope: SealScope;
  stateDir: string;
  genuine: () => Seal;
}

async function world(): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), "ddns-seal-fuzz-"));
  const stateDir = join(dir, "state");
  const eventsDir = join(dir, "run", "events");
  await mkdir(stateDir, { recursive: true });
  await mkdir(eventsDir, { recursive: true });
  await writeFile(join(dir, "ddns.toml"), "# any text: the seal only looks at the file's identity\n");
  await writeFile(join(stateDir, "state.json"), '{"version":1,"records":{}}\n');
  await writeFile(join(dir, "secret"), "s3cr3t-value\n");
  await writeFile(join(dir, "if_inet6"), "20010db8000000000000000000000035 02 40 00 80     eth0\n");
  const scope: SealScope = {
    config: join(dir, "ddns.toml"),
    stateDir,
    eventsDir,
    lock: join(dirname(eventsDir), "ddns.lock"),
    seal: join(dirname(eventsDir), SEAL_FILE),
    credentialsDir: "",
    procIfInet6: join(dir, "if_inet6"),
    secretFiles: [join(dir, "secret")],
    credentials: [],
    ipv4Interfaces: true,
    ipv6Interfaces: true,
  };
  const genuine = (): Seal => {
    const key = sealKey(scope);
    assert.ok(key !== undefined);
    const at = Date.now() - 1000;
    return { format: SEAL_FORMAT, version: BUILD, at, until: at + MAX_SEAL_MS - 1, scope, key };
  };
  return {
    argv: ["run", "--config", scope.config, "--state-dir", stateDir, "--events-dir", eventsDir],
    env: { PATH: "/usr/bin:/bin", DDNS_PROC_IF_INET6: scope.procIfInet6 },
    scope,
    stateDir,
    genuine,
  };
}

/** A seal that says the same as the genuine one: then, and only then, may the check pass. */
function equivalent(text: string, g: Seal, now: number): boolean {
  const s = parseSeal(text);
  if (s === undefined) return false;
  const sameScope = JSON.stringify(Object.entries(s.scope).sort()) === JSON.stringify(Object.entries(g.scope).sort());
  return s.version === g.version && s.key === g.key && sameScope && s.at <= now && now < s.until && s.until - s.at <= MAX_SEAL_MS;
}

function mutate(r: Rng, g: Seal): string {
  const text = JSON.stringify(g);
  switch (r.int(8)) {
    case 0:
      return r.bytes(r.int(400)).toString("latin1");
    case 1: {
      // A byte or a few changed anywhere in the JSON text.
      const chars = [...text];
      for (let i = 0, n = 1 + r.int(3); i < n; i++) chars[r.int(chars.length)] = String.fromCharCode(32 + r.int(95));
      return chars.join("");
    }
    case 2:
      return text.slice(0, r.int(text.length));
    case 3: {
      // One line of the key changed, dropped, duplicated or added.
      const lines = g.key.split("\n");
      const i = r.int(lines.length);
      const edit = r.int(4);
      if (edit === 0) lines.splice(i, 1);
      else if (edit === 1) lines.splice(i, 0, lines[i] ?? "");
      else if (edit === 2) lines[i] = (lines[i] ?? "").replace(/\d/, (d) => String((Number(d) + 1 + r.int(8)) % 10));
      else lines.push(r.pick(["events empty", "ipv4 eth0 198.51.100.1 0", "file /etc/shadow !ENOENT", "credential /x 1"]));
      return JSON.stringify({ ...g, key: lines.join("\n") });
    }
    case 4: {
      // The scope: paths elsewhere, a flag flipped, a list changed.
      const scope: Record<string, unknown> = { ...g.scope };
      const k = r.pick(Object.keys(scope));
      const v = scope[k];
      scope[k] =
        typeof v === "string" ? r.pick(["", "/", `${v}x`, "/etc/ddns/ddns.toml", "/var/lib/ddns", 7]) : typeof v === "boolean" ? !v : Array.isArray(v) ? r.pick([[], [...v, "/etc/passwd"], "x"]) : null;
      return JSON.stringify({ ...g, scope });
    }
    case 5: {
      // Times: stale, from the future, too long, not numbers.
      const now = Date.now();
      const t = r.pick([
        { at: now + 60_000 },
        { until: now - 1 },
        { until: g.at + MAX_SEAL_MS + 1 + r.int(1e9) },
        { at: 0, until: 1e15 },
        { at: String(g.at) },
        { until: null },
        { at: g.at - r.int(1000), until: g.until - r.int(1000) }, // still valid: may pass
      ]);
      return JSON.stringify({ ...g, ...t });
    }
    case 6: {
      // Version and format.
      const v = r.pick([{ version: "0.1.0+other" }, { version: "" }, { format: SEAL_FORMAT + 1 }, { format: "1" }, { version: BUILD }]);
      return JSON.stringify({ ...g, ...v });
    }
    default: {
      // Extra or missing fields, other JSON types.
      const o: Record<string, unknown> = { ...g };
      if (r.chance(0.5)) delete o[r.pick(Object.keys(o))];
      else o[r.pick(["extra", "__proto__", "constructor"])] = { key: "x" };
      return r.chance(0.1) ? JSON.stringify([o]) : JSON.stringify(o);
    }
  }
}

describe("Reliability - idle seal fuzzing", () => {
  let w: World;
  before(async () => {
    w = await world();
  });

  it("the genuine seal/quick check/holds, and each changed input breaks it", async () => {
    writeSeal(w.scope.seal, w.genuine());
    assert.equal(quiet(w.argv, w.env), true, "a genuine seal holds");
    const changes: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
      ["config rewritten", () => writeFile(w.scope.config, "# any text: the seal only looks at the file's identity\n"), async () => undefined],
      ["state rewritten", () => writeFile(join(w.stateDir, "state.json"), '{"version":1,"records":{}}\n'), async () => undefined],
      ["secret touched", () => utimes(w.scope.secretFiles[0] ?? "", new Date(), new Date(1000)), async () => undefined],
      ["if_inet6 changed", () => writeFile(w.scope.procIfInet6, "20010db8000000000000000000000036 02 40 00 80     eth0\n"), async () => undefined],
      ["an event", () => writeFile(join(w.scope.eventsDir, "eth0"), "SOURCE=manual\n"), () => rm(join(w.scope.eventsDir, "eth0"))],
      ["the lock", () => writeFile(w.scope.lock, "1\n"), () => rm(w.scope.lock)],
      ["events directory gone", () => rm(w.scope.eventsDir, { recursive: true }), () => mkdir(w.scope.eventsDir)],
    ];
    for (const [what, change, undo] of changes) {
      writeSeal(w.scope.seal, w.genuine());
      assert.equal(quiet(w.argv, w.env), true, `before: ${what}`);
      await change();
      assert.equal(quiet(w.argv, w.env), false, `${what} breaks the seal`);
      await undo();
    }
    writeSeal(w.scope.seal, w.genuine());
    assert.equal(quiet([...w.argv, "--force"], w.env), false, "--force never takes the shortcut");
    assert.equal(quiet(w.argv, { ...w.env, CREDENTIALS_DIRECTORY: "/run/credentials/x" }), false, "another credentials directory");
    assert.equal(quiet(w.argv, { ...w.env, DDNS_PROC_IF_INET6: "/proc/net/if_inet6" }), false, "another if_inet6");
  });

  it(`${CASES} mutated seals/quick check/never throws, holds only for a seal equivalent to the genuine one`, async () => {
    const r = rng(SEED);
    const path = w.scope.seal;
    const g = w.genuine();
    let held = 0;
    let refused = 0;
    for (let i = 0; i < CASES; i++) {
      const text = mutate(r, g);
      await writeFile(path, text);
      const now = Date.now();
      const ok = quiet(w.argv, w.env);
      if (ok) {
        held++;
        assert.ok(equivalent(text, g, now), `case ${i} (seed ${SEED}) took the shortcut with a seal that does not state the inputs: ${text.slice(0, 300)}`);
      } else refused++;
    }
    console.log(`# seal fuzz seed=${SEED} cases=${CASES} held=${held} refused=${refused}`);
    // A seal names the secret file; it never holds its value.
    writeSeal(w.scope.seal, w.genuine());
    await assertNoSecrets(["s3cr3t-value"], { dirs: [w.stateDir] });
    assert.ok(refused > CASES / 2, "most mutants are refused");
    assert.equal(JSON.parse(await readFile(join(w.stateDir, "state.json"), "utf8")).version, 1, "the state is untouched");
  });
});
