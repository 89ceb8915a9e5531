import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chown, link, mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimEvents, MAX_EVENT_BYTES } from "../../src/ip-source/events.js";
import { parseAddress, formatBytes } from "../../src/ip-source/sanity.js";
import { count } from "./fixture.js";
import { rng, type Rng } from "./rng.js";

const ROUNDS = count(500, 60);
const SEED = Number(process.env["DDNS_FUZZ_SEED"] ?? 20261127);
const ROOT = process.getuid?.() === 0;
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}$/;
/** The address of the files outside the events directory: only a hard link may bring it in. */
const VICTIM_ADDRESS = "198.51.100.99";

const GOOD = ["SOURCE=networkmanager", "IFACE=eth0", "ACTION=up", "IPV4=198.51.100.7 203.0.113.9/24", "IPV6=2001:db8::7", "TIME=1800000000"];

function content(r: Rng): Buffer {
  switch (r.int(6)) {
    case 0:
      return r.bytes(r.int(300));
    case 1: {
      // Good lines, mutated.
      const lines = GOOD.filter(() => r.chance(0.7)).map((l) => {
        if (!r.chance(0.4)) return l;
        const at = r.int(l.length);
        return l.slice(0, at) + r.pick(["\u0000", "\u001b[2J", "=", " ", "\r", "é", "9", "::", "/", "'", '"', "\n"]) + l.slice(at + r.int(2));
      });
      return Buffer.from(lines.join(r.pick(["\n", "\r\n"])));
    }
    case 2:
      return Buffer.from(`IPV4=${Array.from({ length: 1 + r.int(20) }, () => `${r.int(300)}.${r.int(256)}.${r.int(256)}.${r.int(256)}`).join(" ")}\nSOURCE=push\n`);
    case 3:
      return Buffer.alloc(MAX_EVENT_BYTES + 1 + r.int(4096), "IPV4=198.51.100.8\n");
    case 4:
      return Buffer.from(`${"A".repeat(r.int(40))}=${"x".repeat(r.int(5000))}\nIPV6=${r.pick(["::", "fe80::1", "2001:db8::1%eth0", "::ffff:1.2.3.4", "2001:db8::/129"])}\n`);
    default:
      return Buffer.from(GOOD.join("\n") + "\n");
  }
}

function name(r: Rng): Buffer {
  return r.pick<() => Buffer>([
    () => Buffer.from(r.pick(["eth0", "wlan0", "enp3s0.100", "push-1", "br@x", "a+b"])),
    () => Buffer.from(r.pick(["..x", ".hidden", "-rf", "a b", "a\nb", "a\u001bb", "é", ".claimed.", ".claimed.eth1", ".claimed..x", ".tmp.", "x".repeat(200)])),
    () => Buffer.concat([Buffer.from("e"), r.bytes(1 + r.int(6)).map((b) => (b === 0x2f || b === 0 ? 0x41 : b))]),
  ])();
}

interface Round {
  dir: string;
  written: string[];
  keep: Buffer[];
  stale: string[];
}

/** Fills the events directory with one round of hostile entries. */
async function populate(r: Rng, base: string, victim: string, victimDir: string, i: number): Promise<Round> {
  const dir = join(base, `events-${i}`);
  await mkdir(dir);
  const d = Buffer.from(dir);
  const at = (n: Buffer): Buffer => Buffer.concat([d, Buffer.from("/"), n]);
  const written: string[] = [];
  const keep: Buffer[] = [];
  const stale: string[] = [];
  const used = new Set<string>();
  for (let k = 0, n = 4 + r.int(16); k < n; k++) {
    const nm = name(r);
    const kind = r.int(10);
    // One entry per name: writing into an earlier FIFO of the same name would block.
    if (used.has(nm.toString("latin1"))) continue;
    used.add(nm.toString("latin1"));
    try {
      if (kind === 0) await symlink(victim, at(nm));
      else if (kind === 1) await symlink(victimDir, at(nm));
      else if (kind === 2) await mkdir(at(nm));
      else if (kind === 3 && ROOT) {
        await writeFile(at(nm), GOOD.join("\n"));
        await chown(at(nm), 12345, 12345);
      } else if (kind === 4) {
        await writeFile(at(nm), "");
        await truncate(at(nm), 1 << 30); // sparse: a 1 GiB file must not be read
      } else if (kind === 5) {
        execFileSync("mkfifo", [at(nm).toString("latin1")], { stdio: "ignore" }); // fails when the name exists: fine
      } else if (kind === 6) {
        const tmp = Buffer.concat([Buffer.from(".tmp."), nm]);
        await writeFile(at(tmp), GOOD.join("\n"));
        if (r.chance(0.5)) {
          await utimes(at(tmp), 1, 1); // stale: removed
          stale.push(tmp.toString("latin1"));
        } else keep.push(tmp); // in flight: left alone
      } else if (kind === 7 && ROOT) {
        // A hard link is a regular file of an allowed owner: it may be read (only
        // root or the service user can write the directory), and only the link goes.
        await link(victim, at(nm));
        written.push(await readFile(victim, "latin1"));
      } else {
        const c = content(r);
        await writeFile(at(nm), c);
        written.push(c.toString("latin1"));
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" && !(kind === 5 && (e as { status?: unknown }).status === 1)) throw e;
    }
  }
  return { dir, written, keep, stale };
}

describe("Reliability - event file fuzzing", () => {
  let base: string;
  let victim: string;
  let victimDir: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), "ddns-fuzz-events-"));
    victim = join(base, "victim");
    victimDir = join(base, "victim-dir");
    await writeFile(victim, `SOURCE=manual\nIPV4=${VICTIM_ADDRESS}\n`);
    await mkdir(victimDir);
    await writeFile(join(victimDir, "eth0"), `IPV4=${VICTIM_ADDRESS}\n`);
  });
  after(() => rm(base, { recursive: true, force: true }));

  it(`${ROUNDS} directories of hostile entries/claim and finish/refused or sanitized, never followed, never a crash`, async () => {
    const r = rng(SEED);
    const tally = { entries: 0, events: 0, refused: 0, warnings: 0 };
    const now = Date.now();
    for (let i = 0; i < ROUNDS; i++) {
      const round = await populate(r, base, victim, victimDir, i);
      tally.entries += (await readdir(round.dir)).length;
      const claimed = await claimEvents(round.dir, { allowedUids: [ROOT ? 0 : process.getuid?.() ?? 0], now });
      tally.events += claimed.events.length;
      tally.refused += claimed.refused.length;
      tally.warnings += claimed.warnings.length;
      const texts = round.written.join("\n");
      for (const e of claimed.events) {
        assert.match(e.file, NAME_RE, "an event is named by a plain interface or push name");
        for (const a of [...e.ipv4, ...e.ipv6]) {
          const p = parseAddress(a);
          assert.ok(p && formatBytes(p.bytes) === a, `${a} is a canonical address`);
          assert.ok(texts.toLowerCase().includes(a) || expandedIn(a, texts), `${a} came from no file written into the directory`);
        }
      }
      for (const line of [...claimed.refused.map((x) => `${x.file}: ${x.reason}`), ...claimed.warnings]) {
        assert.ok(!/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(line), `a control character reaches the log: ${JSON.stringify(line)}`);
      }
      await claimed.finish();
      const left = (await readdir(Buffer.from(round.dir), { encoding: "buffer" })).map((b) => b.toString("latin1")).sort();
      // In-flight temp files (the writers' convention) are left alone; nothing else is.
      for (const k of round.keep) {
        const n = k.toString("latin1");
        const utf8 = Buffer.from(k.toString("utf8")).equals(k); // other names are refused as names
        if (utf8 && !round.stale.includes(n)) assert.ok(left.includes(n), `the in-flight ${JSON.stringify(n)} is left alone`);
      }
      for (const l of left) assert.ok(l.startsWith(".tmp.") && !round.stale.includes(l), `${JSON.stringify(l)} was left behind`);
    }
    assert.equal(await readFile(victim, "utf8"), `SOURCE=manual\nIPV4=${VICTIM_ADDRESS}\n`, "a symlink target is never touched");
    assert.deepEqual(await readdir(victimDir), ["eth0"]);
    console.log(`# event fuzz seed=${SEED} rounds=${ROUNDS} entries=${tally.entries} events=${tally.events} refused=${tally.refused} warnings=${tally.warnings}`);
  });
});

/** An address written in a non-canonical form (leading zeros, upper case, ::ffff:) still counts as written. */
function expandedIn(a: string, texts: string): boolean {
  for (const token of texts.split(/[\s=/"']+/)) {
    const p = parseAddress(token.replace(/\/.*$/, ""));
    if (p && formatBytes(p.bytes) === a) return true;
  }
  return false;
}
