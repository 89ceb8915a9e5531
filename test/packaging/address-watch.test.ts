// packaging/address-watch, the look that ddns-watch.service takes when the kernel
// reports an address change (ddns-watch.socket). Run with /bin/sh as systemd runs it,
// against a fake `ip` first in PATH that prints what each case needs (the real
// daemons are in test/system/netd.test.ts).
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { claimEvents } from "../../src/ip-source/events.js";

// build/test/packaging/ -> repository root
const root = fileURLToPath(new URL("../../../", import.meta.url));
const WATCH = join(root, "packaging/address-watch");
const EVENT = "ddns-address-watch";

/** What `ip -br addr show scope global -tentative -deprecated -dadfailed` prints on a dual-stack host. */
const DUAL = "lo               UNKNOWN        \neth0@if7         UP             192.0.2.50/24 2001:db8:1::5/64 \n";

let base: string;
before(() => (base = mkdtempSync(join(tmpdir(), "ddns-watch-"))));
after(() => rmSync(base, { recursive: true, force: true }));

interface Box {
  dir: string;
  run: string;
  events: string;
  fingerprint: string;
  /** Sets what the fake `ip` prints and how it exits; the arguments it got are kept in `args`. */
  ip(out: string, status?: number): void;
  args: string;
}

let n = 0;
function box(opts: { noRunDir?: boolean; noEventsDir?: boolean } = {}): Box {
  const dir = join(base, String(n++));
  const run = join(dir, "run/ddns");
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  if (!opts.noRunDir) mkdirSync(opts.noEventsDir ? run : join(run, "events"), { recursive: true });
  // The fake `ip`: its output from a file, so that any byte can be in it.
  writeFileSync(join(bin, "ip"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${join(dir, "ip-args")}"\ncat "${join(dir, "ip-out")}"\nexit $(cat "${join(dir, "ip-status")}")\n`, { mode: 0o755 });
  const b: Box = {
    dir,
    run,
    events: join(run, "events"),
    fingerprint: join(run, "address-watch"),
    ip(out, status = 0) {
      writeFileSync(join(dir, "ip-out"), out);
      writeFileSync(join(dir, "ip-status"), String(status));
    },
    get args() {
      return existsSync(join(dir, "ip-args")) ? readFileSync(join(dir, "ip-args"), "utf8") : "";
    },
  };
  b.ip("");
  return b;
}

/** One look, exactly as ddns-watch.service takes it (no socket: not started by one). */
function look(b: Box, env: Record<string, string> = {}, args: string[] = []): void {
  const r = spawnSync("/bin/sh", [WATCH, ...args], {
    cwd: b.dir,
    env: { PATH: `${join(b.dir, "bin")}:/usr/bin:/bin`, ...env, DDNS_EVENTS_DIR: b.events },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 10_000,
  });
  assert.equal(r.error, undefined);
  assert.equal(r.status, 0, "always exits 0");
  assert.equal(r.stdout.toString(), "", "prints nothing (the journal stays quiet)");
  assert.equal(r.stderr.toString(), "", "prints nothing (the journal stays quiet)");
}

function tree(dir: string, rel = ""): string[] {
  if (!existsSync(join(dir, rel))) return [];
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    out.push(p);
    if (lstatSync(join(dir, p)).isDirectory()) out.push(...tree(dir, p));
  }
  return out;
}

/** Takes the one event the watch left, checks its format and what `ddns run` reads from it. */
async function takeEvent(b: Box): Promise<void> {
  assert.deepEqual(readdirSync(b.events), [EVENT]);
  const st = statSync(join(b.events, EVENT));
  assert.equal(st.mode & 0o777, 0o644);
  const text = readFileSync(join(b.events, EVENT), "utf8");
  assert.match(text, /^SOURCE=watch\nACTION=address-change\nTIME=\d+\n$/);
  assert.ok(Math.abs(Number(/TIME=(\d+)/.exec(text)![1]) - Date.now() / 1000) < 60, "TIME is now");
  const claimed = await claimEvents(b.events, { allowedUids: [process.getuid!()] });
  assert.deepEqual(claimed.refused, []);
  assert.deepEqual(claimed.warnings, []);
  assert.equal(claimed.events.length, 1);
  const e = claimed.events[0]!;
  // No interface and no address: the run reads the configured interfaces (or all) from the kernel.
  assert.equal(e.source, "watch");
  assert.equal(e.action, "address-change");
  assert.equal(e.iface, undefined);
  assert.deepEqual([e.ipv4, e.ipv6], [[], []]);
  await claimed.finish();
  assert.deepEqual(readdirSync(b.events), []);
}

describe("Address watch - packaging/address-watch", () => {
  it("ip/is asked/for global addresses that are neither tentative, deprecated nor dadfailed", () => {
    const b = box();
    look(b);
    assert.equal(b.args, "-br addr show scope global -tentative -deprecated -dadfailed\n");
  });

  it("no /run/ddns/events/ddns not installed/nothing written, ip never run", () => {
    for (const opts of [{ noRunDir: true }, { noEventsDir: true }]) {
      const b = box(opts);
      b.ip(DUAL);
      look(b);
      assert.equal(b.args, "");
      assert.deepEqual(tree(join(b.dir, "run")), opts.noRunDir ? [] : ["ddns"]);
    }
  });

  it("the first look/no fingerprint yet (after boot)/records it, no event", () => {
    const b = box();
    b.ip(DUAL);
    look(b);
    assert.deepEqual(readdirSync(b.events), []);
    assert.equal(readFileSync(b.fingerprint, "utf8"), "eth0@if7 192.0.2.50/24 2001:db8:1::5/64;\n");
    assert.deepEqual(tree(b.run), ["address-watch", "events"], "no temp file left");
  });

  it("--seed (ddns-watch.socket's ExecStartPost=)/the watch starts/records the addresses, no event; the first notification's change is then news", async () => {
    const b = box();
    b.ip("eth0 UP 192.0.2.50/24\n");
    look(b, {}, ["--seed"]);
    assert.deepEqual(readdirSync(b.events), []);
    assert.equal(readFileSync(b.fingerprint, "utf8"), "eth0 192.0.2.50/24;\n");
    // A static address changed right after `systemctl enable --now`: the first look sees it.
    b.ip("eth0 UP 192.0.2.51/24\n");
    look(b);
    assert.deepEqual(readdirSync(b.events), [EVENT]);
    // A seed again (socket restarted) replaces the baseline, wakes nobody.
    rmSync(join(b.events, EVENT));
    b.ip("eth0 UP 192.0.2.52/24\n");
    look(b, {}, ["--seed"]);
    assert.deepEqual(readdirSync(b.events), []);
    assert.equal(readFileSync(b.fingerprint, "utf8"), "eth0 192.0.2.52/24;\n");
    // `ip` failing at the seed records nothing (the first look then records).
    const c = box();
    c.ip("", 1);
    look(c, {}, ["--seed"]);
    assert.equal(existsSync(c.fingerprint), false);
  });

  it("the same addresses/a lifetime refresh/no event, nothing written", () => {
    const b = box();
    b.ip(DUAL);
    look(b);
    const before = statSync(b.fingerprint);
    for (let i = 0; i < 3; i++) look(b);
    const after = statSync(b.fingerprint);
    assert.deepEqual(readdirSync(b.events), []);
    assert.deepEqual([after.ino, after.mtimeMs, after.size], [before.ino, before.mtimeMs, before.size], "the fingerprint is not even rewritten");
    assert.deepEqual(tree(b.run), ["address-watch", "events"]);
  });

  it("a new prefix/the address changed/one event, then the new fingerprint", async () => {
    const b = box();
    b.ip(DUAL);
    look(b);
    b.ip("eth0@if7         UP             192.0.2.50/24 2001:db8:5::5/64 \n");
    look(b);
    await takeEvent(b);
    assert.equal(readFileSync(b.fingerprint, "utf8"), "eth0@if7 192.0.2.50/24 2001:db8:5::5/64;\n");
    look(b);
    assert.deepEqual(readdirSync(b.events), [], "once per change");
    assert.deepEqual(tree(b.run), ["address-watch", "events"], "no temp file left");
  });

  it("addresses gone/the last global address removed or deprecated/an event (the run leaves records alone)", async () => {
    const b = box();
    b.ip(DUAL);
    look(b);
    b.ip("lo               UNKNOWN        \neth0@if7         UP             \n");
    look(b);
    await takeEvent(b);
    assert.equal(readFileSync(b.fingerprint, "utf8"), "\n");
    b.ip(DUAL);
    look(b);
    await takeEvent(b);
  });

  it("not news/link state, interfaces without a global address/no event", () => {
    const b = box();
    b.ip(DUAL);
    look(b);
    // eth0 goes DOWN keeping its addresses; container veths come with no global address.
    b.ip("lo               UNKNOWN        \neth0@if7         DOWN           192.0.2.50/24 2001:db8:1::5/64 \nveth1a2b@if9     UP             \nveth3c4d@if11    LOWERLAYERDOWN \n");
    look(b);
    assert.deepEqual(readdirSync(b.events), []);
  });

  it("ip fails/missing, netlink refused/no event, the fingerprint kept", () => {
    const b = box();
    b.ip(DUAL);
    look(b);
    const fp = readFileSync(b.fingerprint, "utf8");
    for (const status of [1, 2, 127]) {
      b.ip("", status);
      look(b);
    }
    assert.deepEqual(readdirSync(b.events), []);
    assert.equal(readFileSync(b.fingerprint, "utf8"), fp);
    // Nor does a failure on the first look record an empty fingerprint.
    const c = box();
    c.ip("eth0 UP 192.0.2.1/24\n", 1);
    look(c);
    assert.equal(existsSync(c.fingerprint), false);
  });

  it("hostile ip output/shell syntax, globs, control characters, a long line/never run or expanded; a change is still a change", async () => {
    const b = box();
    const hostile = [
      "$(touch pwned)  UP  `touch pwned2` 192.0.2.1/24 *",
      "eth0;touch${IFS}pwned3  UP  '\"; rm -rf / ; \\ \\n %s %n",
      "\x1b[31mred\x1b[0m UP \x01\x02\x7f ::1/128",
      `long UP ${"2001:db8::1/64 ".repeat(2000)}`,
      "* UP ?",
      "-n -e",
      "",
    ].join("\n");
    b.ip(hostile);
    look(b);
    b.ip(hostile.replace("192.0.2.1", "192.0.2.2"));
    look(b);
    await takeEvent(b);
    assert.deepEqual(readdirSync(b.dir).filter((f) => f.startsWith("pwned")), [], "nothing in the output was executed");
    assert.equal(readdirSync(join(b.dir, "run/ddns")).filter((f) => f.startsWith("pwned")).length, 0);
    look(b);
    assert.deepEqual(readdirSync(b.events), [], "the same hostile output twice is no change");
  });

  it("a fingerprint left by root/not writable in place/replaced by rename, not an event every time", () => {
    const b = box();
    b.ip(DUAL);
    look(b);
    // A leftover temp file and a read-only fingerprint (as root's would be for the ddns user).
    writeFileSync(`${b.fingerprint}.new`, "junk");
    rmSync(b.fingerprint);
    writeFileSync(b.fingerprint, "eth0@if7 192.0.2.49/24;\n", { mode: 0o444 });
    look(b);
    assert.deepEqual(readdirSync(b.events), [EVENT]);
    rmSync(join(b.events, EVENT));
    look(b);
    assert.deepEqual(readdirSync(b.events), [], "the change was recorded");
    assert.deepEqual(tree(b.run), ["address-watch", "events"]);
  });

  it("started by ddns-watch.socket/LISTEN_FDS=1 for this PID/the notifications on fd 3 are read to the end first", () => {
    const b = box();
    b.ip(DUAL);
    const notes = join(b.dir, "notifications");
    writeFileSync(notes, Buffer.alloc(200_000, 7));
    // fd 3 shared with the wrapper: what the watch leaves unread, the wrapper counts.
    const left = (pidMatches: boolean): string => {
      const r = spawnSync(
        "/bin/sh",
        [
          "-c",
          `exec 3<"$1"; LISTEN_FDS=1 /bin/sh -c 'LISTEN_PID=${pidMatches ? "$$" : "1"}; export LISTEN_PID; exec /bin/sh "$0"' "$2"; wc -c <&3`,
          "wrap",
          notes,
          WATCH,
        ],
        { env: { PATH: `${join(b.dir, "bin")}:/usr/bin:/bin`, DDNS_EVENTS_DIR: b.events }, encoding: "utf8", timeout: 10_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, "");
      return r.stdout.trim();
    };
    assert.equal(left(true), "0", "drained");
    assert.equal(left(false), "200000", "LISTEN_FDS for another process: not ours to read");
  });
});
