import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCommandSource } from "../../src/ip-source/command.js";
import { familyConfig } from "./family-config.js";

describe("IpSource - command", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "ddns-cmd-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const script = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  const detect = (command: string[], family: "ipv4" | "ipv6" = "ipv4", timeoutMs = 2000, signal = AbortSignal.timeout(5000)) =>
    createCommandSource(familyConfig({ command, timeoutMs })).detect(family, signal);

  it("good output/detect/first line only", async () => {
    const p = script("good", 'echo "81.2.69.160"; echo "81.2.69.161"');
    assert.deepEqual(await detect([p]), { kind: "found", source: "command", addresses: ["81.2.69.160"] });
  });

  it("ipv6 output, arguments passed/detect/canonical", async () => {
    const p = script("v6", 'echo "$1"');
    assert.deepEqual(await detect([p, "2A01:4F8:0:0::1"], "ipv6"), { kind: "found", source: "command", addresses: ["2a01:4f8::1"] });
  });

  it("non-zero exit/detect/unavailable with stderr hint", async () => {
    const p = script("fail", 'echo 81.2.69.160; echo "no route" >&2; exit 3');
    assert.deepEqual(await detect([p]), { kind: "unavailable", source: "command", reason: `${p} exited with status 3 (stderr: no route)` });
  });

  it("hanging command/detect/killed at the timeout", async () => {
    const p = script("hang", "echo 81.2.69.160; exec sleep 30");
    const t0 = process.hrtime.bigint();
    const d = await detect([p], "ipv4", 300);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.equal(d.kind, "unavailable");
    assert.match((d as { reason: string }).reason, /timed out/);
    assert.ok(ms < 5000, `took ${ms} ms`);
  });

  it("grandchild holding stdout/detect/returns at the timeout, whole process group killed", async () => {
    const pidFile = join(dir, "grandchild.pid");
    const p = script("fork", `sleep 30 & echo $! > ${pidFile}; sleep 30`);
    const t0 = process.hrtime.bigint();
    const d = await detect([p], "ipv4", 300);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.match((d as { reason: string }).reason, /timed out after 300 ms/);
    assert.ok(ms < 5000, `took ${ms} ms`);
    const pid = Number(readFileSync(pidFile, "utf8"));
    // SIGKILL is delivered at once, but reaping by init may take a moment.
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      try {
        process.kill(pid, 0);
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        if (/^\d+ \(.*\) Z/.test(stat)) alive = false;
        else await new Promise((r) => setTimeout(r, 20));
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, `grandchild ${pid} survived`);
  });

  it("run aborted/detect/unavailable aborted", async () => {
    const p = script("slow", "exec sleep 30");
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    assert.deepEqual(await detect([p], "ipv4", 5000, ac.signal), { kind: "unavailable", source: "command", reason: `${p} aborted` });
  });

  it("shell metacharacters/detect/passed literally, not interpreted", async () => {
    const marker = join(dir, "pwned");
    const p = script("echo-arg", 'printf "%s\\n" "$1"');
    const d = await detect([p, `81.2.69.160; touch ${marker}`]);
    assert.equal(d.kind, "unavailable");
    assert.equal(existsSync(marker), false);
    const e = await detect([`echo 81.2.69.160 && touch ${marker}`]);
    assert.deepEqual(e, { kind: "unavailable", source: "command", reason: `echo 81.2.69.160 && touch ${marker} not found` });
    assert.equal(existsSync(marker), false);
  });

  it("huge output/detect/capped and unavailable", async () => {
    const p = script("flood", "yes 81.2.69.160");
    const d = await detect([p]);
    assert.deepEqual(d, { kind: "unavailable", source: "command", reason: `${p} printed more than 4096 bytes` });
  });

  it("private or junk output/detect/refused", async () => {
    assert.deepEqual(await detect([script("priv", "echo 10.1.2.3")]), { kind: "unavailable", source: "command", reason: `${join(dir, "priv")} printed 10.1.2.3 (private)` });
    const junk = await detect([script("junk", "echo '<html>'")]);
    assert.equal(junk.kind, "unavailable");
    assert.deepEqual(await detect([script("empty", "true")]), { kind: "unavailable", source: "command", reason: `${join(dir, "empty")} printed no address` });
  });

  it("no command configured/detect/unavailable", async () => {
    assert.deepEqual(await detect([]), { kind: "unavailable", source: "command", reason: "no command configured" });
  });
});
