import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertNoSecrets } from "../helpers/secrets.js";
import { SECRETS, tempDir } from "./helpers.js";

const root = process.env.DDNS_TEST_ROOT ?? fileURLToPath(new URL("../../../", import.meta.url));
const SECRET = "S3cr3t-cli-91ab"; // one of SECRETS

/** Runs bin/ddns; its stdout and stderr hold none of SECRETS. */
async function ddns(args: string[]): Promise<{ status: number | null; out: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C" };
  const r = spawnSync(process.execPath, [join(root, "bin/ddns"), ...args], { env, encoding: "utf8", timeout: 20_000 });
  await assertNoSecrets(SECRETS, { stdout: r.stdout, stderr: r.stderr, errors: r.error === undefined ? [] : [r.error] });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** bin/ddns without blocking this process (a loopback mock in it must answer); output scanned for SECRETS. */
async function ddnsAsync(args: string[]): Promise<{ status: number | null; out: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C" };
  const child = spawn(process.execPath, [join(root, "bin/ddns"), ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  await assertNoSecrets(SECRETS, { stdout, stderr });
  return { status, out: `${stdout}${stderr}` };
}

describe("Config - exit status through the CLI", () => {
  it("bad configs/check and run/exit 78 with FILE:LINE: key, no stack, no secret", async () => {
    const t = await tempDir();
    try {
      const typo = await t.write("typo.toml", "[ipv4]\nsourcs = [\"http\"]\n");
      const open = await t.write("open.toml", `[providers.home]\ntype = "cloudflare"\ntoken = "${SECRET}"\n`, 0o644);
      const missing = join(t.dir, "missing.toml");
      const cases: [string, RegExp][] = [
        [typo, new RegExp(`${typo}:2: ipv4\\.sourcs: unknown key "sourcs" \\(did you mean "sources"\\?\\)`)],
        [open, new RegExp(`${open}:3: providers\\.home\\.token: .*chmod 600`)],
        [missing, new RegExp(`${missing}: cannot read the config`)],
      ];
      for (const [file, expected] of cases) {
        const run = ["run", "--config", file, "--state-dir", join(t.dir, "state"), "--events-dir", join(t.dir, "ev")];
        for (const args of file === typo ? [["check", "--config", file], run] : [run]) {
          const r = await ddns(args);
          assert.equal(r.status, 78, `${args.join(" ")}:\n${r.out}`);
          assert.match(r.out, expected);
          assert.doesNotMatch(r.out, /\n\s+at /, "stack trace");
          assert.ok(!r.out.includes(SECRET), "secret shown");
        }
      }
    } finally {
      await t.done();
    }
  });

  it("ttl outside the provider's range/check/exit 78 naming file, line and key (issue 14)", async () => {
    const t = await tempDir();
    try {
      const file = await t.write("ttl.toml", `[providers.home]\ntype = "cloudflare"\ntoken = "${SECRET}"\n[[records]]\nname = "a.example.org"\nprovider = "home"\nttl = 30\n`);
      const r = await ddns(["check", "--config", file]);
      assert.equal(r.status, 78, r.out);
      assert.match(r.out, new RegExp(`${file}:7: records\\.ttl: cloudflare takes a TTL from 60 to 86400 or 1, not 30`));
    } finally {
      await t.done();
    }
  });

  it("ttl on a protocol without TTL (dyndns2)/check and run/exit 0 with a warning at file:line: records.ttl; run logs it once (issue 14)", async () => {
    const t = await tempDir();
    try {
      // Port 9 on loopback: nothing listens, so the push fails fast (75) and the next run waits out the backoff.
      const file = await t.write(
        "noip.toml",
        `[ipv4]\nsources = ["static"]\naddress = "203.0.113.7"\n[ipv6]\nenabled = false\n[providers.n]\ntype = "dyndns2"\nendpoint = "http://127.0.0.1:9"\nusername = "me"\npassword = "${SECRET}"\n[[records]]\nname = "home.example.org"\nprovider = "n"\nttl = 300\n`,
      );
      const warning = new RegExp(`warning: ${file}:14: records\\.ttl: dyndns2 takes no TTL: the dyndns2 protocol carries no TTL .*; this ttl is ignored`);
      const c = await ddns(["check", "--config", file]);
      assert.equal(c.status, 0, c.out);
      assert.match(c.out, /valid — 1 record\(s\), 1 provider\(s\), families: ipv4, 1 warning\(s\)/);
      assert.match(c.out, warning);
      const run = ["run", "--config", file, "--state-dir", join(t.dir, "state"), "--events-dir", join(t.dir, "ev")];
      const first = await ddns(run);
      assert.equal(first.status, 75, first.out);
      assert.match(first.out, new RegExp(warning.source.replace("warning: ", "")));
      const second = await ddns(run);
      assert.equal(second.status, 0, second.out);
      assert.doesNotMatch(second.out, /records\.ttl/, "told once, not on every run");
    } finally {
      await t.done();
    }
  });

  it("ttl below deSEC's minimum_ttl/check --online against a loopback deSEC/exit 78 at file:line: records.ttl; without --online valid", async () => {
    const { startDesec } = await import("../helpers/desec-server.js");
    const mock = await startDesec(SECRET, { "example.dedyn.io": 3600 });
    const t = await tempDir();
    try {
      const file = await t.write("desec.toml", `[providers.d]\ntype = "desec"\ntoken = "${SECRET}"\nendpoint = "${mock.url}/api/v1"\n[[records]]\nname = "home.example.dedyn.io"\nprovider = "d"\nttl = 300\n`);
      assert.equal((await ddns(["check", "--config", file])).status, 0);
      // The mock answers from this process: the CLI runs without blocking it.
      const r = await ddnsAsync(["check", "--online", "--config", file]);
      assert.equal(r.status, 78, r.out);
      assert.match(r.out, new RegExp(`${file}:8: records\\.ttl: desec's minimum TTL for example\\.dedyn\\.io is 3600`));
      assert.deepEqual(mock.violations, []);
    } finally {
      await t.done();
      await mock.close();
    }
  });

  it("valid config with an inline secret/check/exit 0, the summary holds no secret", async () => {
    const t = await tempDir();
    try {
      const file = await t.write("ok.toml", `[providers.home]\ntype = "cloudflare"\ntoken = "${SECRET}"\n[[records]]\nname = "a.example.org"\nprovider = "home"\n`);
      const r = await ddns(["check", "--config", file]);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /valid — 1 record\(s\), 1 provider\(s\)/);
    } finally {
      await t.done();
    }
  });
});
