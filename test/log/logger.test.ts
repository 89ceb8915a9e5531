import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, writeFile, readFile, readdir, chmod, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { redactor } from "../../src/log/create.js";
import { createJournalLogger } from "../../src/log/journal.js";
import { MESSAGE_IDS } from "../../src/log/message-ids.js";
import { assertNoSecrets, assertNoSecretsIn } from "../helpers/secrets.js";

const SECRET = "hunter2-secret";
const SHORTER = "hunter2";

/**
 * A child process that logs through createLogger({ journal, secrets }) a transition and
 * a warning, each quoting both secrets. Journal mode goes through a fake `logger` on
 * PATH (its stdin is kept in `entries`); the native addon is made unresolvable so that
 * nothing reaches this machine's journal.
 */
function logInChild(journal: boolean, dir: string): { stdout: string; stderr: string; status: number | null } {
  const create = new URL("../../src/log/create.js", import.meta.url).href;
  const script = `
import Module from "node:module";
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "systemd-journald") throw Object.assign(new Error("not in this test"), { code: "MODULE_NOT_FOUND" });
  return resolve.call(this, request, ...rest);
};
const { createLogger } = await import(${JSON.stringify(create)});
const log = createLogger({ journal: ${journal}, secrets: [${JSON.stringify(SECRET)}, ${JSON.stringify(SHORTER)}] });
log.transition({ kind: "push-failed", priority: 4, message: "a.example.org: refused token ${SECRET} (${SHORTER})", record: "a.example.org", family: "ipv4", provider: "home" });
log.transition({ kind: "record-updated", priority: 5, message: "a.example.org now 198.51.100.7 via ${SECRET}", record: "a.example.org", family: "ipv4", provider: "home", old: "", new: "198.51.100.7" });
log.warn("odd answer: ${SECRET}");
await log.close();
`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: `${dir}:/usr/bin:/bin` },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe("Log - redaction", () => {
  it("secret in a message/redact/replaced, longest first", () => {
    const r = redactor([SECRET, SHORTER]);
    const out = r(`token ${SECRET} and ${SHORTER}`);
    assert.equal(out, "token [secret] and [secret]");
    assertNoSecretsIn([SECRET, SHORTER], [out]);
  });
  it("no secrets/redact/identity", () => {
    assert.equal(redactor([])("abc"), "abc");
  });
});

describe("Log - every line and entry", () => {
  it("secrets configured, terminal/transition and warning/written redacted on stdout and stderr", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-log-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const r = logInChild(false, dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "a.example.org now 198.51.100.7 via [secret]\n");
    assert.equal(r.stderr, "a.example.org: refused token [secret] ([secret])\nwarning: odd answer: [secret]\n");
    await assertNoSecrets([SECRET, SHORTER], { stdout: r.stdout, stderr: r.stderr, dirs: [dir] });
  });

  it("secrets configured, journal/transition and warning/every entry redacted", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-log-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "logger"), `#!/bin/sh\n[ "$1" = --journald ] || exit 9\ncat > "$(mktemp -p ${join(dir, "entries")})"\n`);
    await mkdir(join(dir, "entries"));
    await chmod(join(dir, "logger"), 0o755);
    const r = logInChild(true, dir);
    assert.equal(r.status, 0, r.stderr);
    const names = await readdir(join(dir, "entries"));
    const entries = await Promise.all(names.map((n) => readFile(join(dir, "entries", n), "utf8")));
    assert.equal(entries.length, 3, entries.join("\n--\n"));
    assert.ok(entries.some((e) => /^MESSAGE=a\.example\.org: refused token \[secret\] \(\[secret\]\)$/m.test(e)), entries.join("\n--\n"));
    assert.ok(entries.some((e) => /^MESSAGE=odd answer: \[secret\]$/m.test(e)), entries.join("\n--\n"));
    await assertNoSecrets([SECRET, SHORTER], { stdout: r.stdout, stderr: r.stderr, journal: entries, dirs: [dir] });
  });
});

describe("Log - journal", () => {
  it("transition/logger --journald/one entry with MESSAGE_ID and DDNS_ fields on stdin", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-log-"));
    const fake = join(dir, "logger");
    const out = join(dir, "entry");
    await writeFile(fake, `#!/bin/sh\n[ "$1" = --journald ] || exit 9\ncat > ${out}\n`);
    await chmod(fake, 0o755);
    const lines: string[] = [];
    const log = createJournalLogger((l) => lines.push(l), { loggerPath: fake, addon: () => undefined });
    log.transition({ kind: "record-updated", priority: 5, message: "a.example.org (ipv4) now points to 198.51.100.7\nx", record: "a.example.org", family: "ipv4", provider: "home", old: "", new: "198.51.100.7" });
    await log.close();
    const text = await readFile(out, "utf8");
    assert.match(text, new RegExp(`^MESSAGE_ID=${MESSAGE_IDS["record-updated"]}$`, "m"));
    assert.match(text, /^MESSAGE=a\.example\.org \(ipv4\) now points to 198\.51\.100\.7 x$/m);
    assert.match(text, /^DDNS_RECORD=a\.example\.org$/m);
    assert.match(text, /^DDNS_NEW=198\.51\.100\.7$/m);
    assert.match(text, /^PRIORITY=5$/m);
    assert.deepEqual(lines, []);
  });
  it("addon present/transition/fields upper-cased by the addon get our names", async () => {
    const seen: Array<[string, string, Record<string, string>]> = [];
    const rec = (level: string) => (msg: string, f?: Record<string, string>) => void seen.push([level, msg, f ?? {}]);
    const log = createJournalLogger(() => assert.fail("no stderr"), {
      addon: () => ({ err: rec("err"), warning: rec("warning"), notice: rec("notice"), info: rec("info") }),
    });
    log.transition({ kind: "record-latched", priority: 3, message: "refused", record: "a.example.org" });
    await log.close();
    assert.equal(seen[0]?.[0], "err");
    assert.equal(seen[0]?.[2]["message_id"], MESSAGE_IDS["record-latched"]);
    assert.equal(seen[0]?.[2]["ddns_record"], "a.example.org");
  });
  it("logger missing and no addon/transition/<N> line on stderr", async () => {
    const lines: string[] = [];
    const log = createJournalLogger((l) => lines.push(l), { loggerPath: "/nonexistent/logger", addon: () => undefined });
    log.warn("something odd");
    await log.close();
    assert.deepEqual(lines, ["<4>something odd"]);
  });
});
