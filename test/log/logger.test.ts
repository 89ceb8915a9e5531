import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, readFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redactor } from "../../src/log/create.js";
import { createJournalLogger } from "../../src/log/journal.js";
import { MESSAGE_IDS } from "../../src/log/message-ids.js";

describe("Log - redaction", () => {
  it("secret in a message/redact/replaced, longest first", () => {
    const r = redactor(["hunter2-secret", "hunter2"]);
    assert.equal(r("token hunter2-secret and hunter2"), "token [secret] and [secret]");
  });
  it("no secrets/redact/identity", () => {
    assert.equal(redactor([])("abc"), "abc");
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
