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
 * a warning, each quoting both secrets. The native addon is made unresolvable so that
 * nothing reaches this machine's journal: journal mode writes "<N>" lines on stderr.
 */
function logInChild(journal: boolean, dir: string): { stdout: string; stderr: string; status: number | null } {
  const create = new URL("../../src/log/create.js", import.meta.url).href;
  const script = `
import Module from "node:module";
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith("systemd-journald")) throw Object.assign(new Error("not in this test"), { code: "MODULE_NOT_FOUND" });
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

  it("secrets configured, journal without the addon/transition and warning/every stream line redacted", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "ddns-log-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const r = logInChild(true, dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "<4>a.example.org: refused token [secret] ([secret])\n<5>a.example.org now 198.51.100.7 via [secret]\n<4>odd answer: [secret]\n");
    await assertNoSecrets([SECRET, SHORTER], { stdout: r.stdout, stderr: r.stderr, dirs: [dir] });
  });
});

describe("Log - journal", () => {
  it("no addon/transition/one <N> line on the journal stream, newlines folded", async () => {
    const lines: string[] = [];
    const log = createJournalLogger((l) => lines.push(l), { addon: () => undefined });
    log.transition({ kind: "record-updated", priority: 5, message: "a.example.org (ipv4) now points to 198.51.100.7\nx", record: "a.example.org", family: "ipv4", provider: "home", old: "", new: "198.51.100.7" });
    log.warn("something odd");
    await log.close();
    assert.deepEqual(lines, ["<5>a.example.org (ipv4) now points to 198.51.100.7 x", "<4>something odd"]);
  });
  it("addon present/transition/one sd_journal_sendv entry with MESSAGE_ID and the DDNS_ fields, nothing on stderr", async () => {
    const seen: Array<[number, string[]]> = [];
    let loads = 0;
    const log = createJournalLogger(() => assert.fail("no stderr"), {
      addon: () => (loads++, { send: (p: number, ...f: string[]) => (seen.push([p, f]), 0) }),
    });
    log.transition({ kind: "record-latched", priority: 3, message: "refused", record: "a.example.org", family: "ipv6", provider: "home" });
    log.transition({ kind: "record-updated", priority: 5, message: "now", record: "b.example.org", old: "192.0.2.1", new: "192.0.2.2" });
    await log.close();
    assert.equal(loads, 1, "loaded once");
    assert.deepEqual(seen[0], [3, ["MESSAGE=refused", "SYSLOG_IDENTIFIER=ddns", `MESSAGE_ID=${MESSAGE_IDS["record-latched"]}`, "DDNS_RECORD=a.example.org", "DDNS_FAMILY=ipv6", "DDNS_PROVIDER=home"]]);
    assert.deepEqual(seen[1], [5, ["MESSAGE=now", "SYSLOG_IDENTIFIER=ddns", `MESSAGE_ID=${MESSAGE_IDS["record-updated"]}`, "DDNS_RECORD=b.example.org", "DDNS_OLD=192.0.2.1", "DDNS_NEW=192.0.2.2"]]);
  });
  it("addon fails to send (-ENOENT) or throws/transition/the <N> line on the stream instead", async () => {
    const lines: string[] = [];
    let calls = 0;
    const log = createJournalLogger((l) => lines.push(l), {
      addon: () => ({
        send: () => {
          if (++calls === 1) return -2;
          throw new TypeError("Arguments must be strings");
        },
      }),
    });
    log.warn("first");
    log.warn("second");
    await log.close();
    assert.deepEqual(lines, ["<4>first", "<4>second"]);
  });
});
