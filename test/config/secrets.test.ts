import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chmod, mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/types.js";
import { assertNoSecretsIn } from "../helpers/secrets.js";
import { FILE, parse, printable, refused, refusedAt, SECRETS, tempDir } from "./helpers.js";

const SECRET = "S3cr3t-value-7f1c"; // one of SECRETS

/** loadConfig, and what may be printed of its Config holds no secret (parse() in helpers does the same). */
async function load(opts: Parameters<typeof loadConfig>[0]): Promise<Config> {
  const c = await loadConfig(opts);
  assertNoSecretsIn(SECRETS, [printable(c)]);
  return c;
}
const provider = (secretLine: string, extra = "") => `[providers.home]\ntype = "cloudflare"\n${secretLine}\n${extra}`;

describe("Config - secrets", () => {
  it("inline secret in a mode 600 file/load/resolved", async () => {
    const t = await tempDir();
    try {
      const file = await t.write("ddns.toml", provider(`token = "${SECRET}"`), 0o600);
      const c = await load({ file });
      assert.equal(c.providers.get("home")?.values.token, SECRET);
      assert.deepEqual(c.providers.get("home")?.secretKeys, ["token"]);
    } finally {
      await t.done();
    }
  });

  for (const mode of [0o640, 0o604, 0o644, 0o660]) {
    it(`inline secret in a mode ${mode.toString(8)} file/load/refused with the fix, secret not shown`, async () => {
      const t = await tempDir();
      try {
        const file = await t.write("ddns.toml", provider(`token = "${SECRET}"`), mode);
        await assert.rejects(loadConfig({ file }), (e: Error & { code?: string }) => {
          assertNoSecretsIn(SECRETS, [e]);
          assert.equal(e.code, "CONFIG_INVALID");
          assert.ok(e.message.startsWith(`${file}:3: providers.home.token: `), e.message);
          assert.match(e.message, new RegExp(`mode 0${mode.toString(8)}`));
          assert.match(e.message, new RegExp(`chmod 600 ${file}`));
          assert.match(e.message, /token_file or token_credential/);
          assert.ok(!e.message.includes(SECRET));
          return true;
        });
      } finally {
        await t.done();
      }
    });
  }

  it("secret file in a group-readable config/load/accepted (the file holds no secret)", async () => {
    const t = await tempDir();
    try {
      const secret = await t.write("cf.token", `${SECRET}\n`);
      const file = await t.write("ddns.toml", provider(`token_file = "${secret}"`), 0o644);
      const c = await load({ file });
      assert.equal(c.providers.get("home")?.values.token, SECRET);
    } finally {
      await t.done();
    }
  });

  it("secret file ending in two newlines/parse/loses exactly one", async () => {
    const t = await tempDir();
    try {
      const secret = await t.write("cf.token", `${SECRET}\n\n`);
      const c = await parse(provider(`token_file = "${secret}"`));
      assert.equal(c.providers.get("home")?.values.token, `${SECRET}\n`);
      const bare = await t.write("bare.token", SECRET);
      const c2 = await parse(provider(`token_file = "${bare}"`));
      assert.equal(c2.providers.get("home")?.values.token, SECRET);
    } finally {
      await t.done();
    }
  });

  it("credential/parse/read from the credentials directory, one newline lost", async () => {
    const t = await tempDir();
    try {
      await t.write("cf", `${SECRET}\n`);
      const c = await parse(provider(`token_credential = "cf"`), { credentialsDir: t.dir });
      assert.equal(c.providers.get("home")?.values.token, SECRET);
      const file = await t.write("ddns.toml", provider(`token_credential = "cf"`), 0o644);
      const c2 = await load({ file, credentialsDir: t.dir });
      assert.equal(c2.providers.get("home")?.values.token, SECRET);
    } finally {
      await t.done();
    }
  });

  it("credential without $CREDENTIALS_DIRECTORY/parse/SECRET_UNREADABLE saying so", async () => {
    const e = await refused(provider(`token_credential = "cf"`));
    assert.equal(e.code, "SECRET_UNREADABLE");
    assert.equal(e.message.split("\n").length, 1);
    assert.ok(e.message.startsWith(`${FILE}:3: providers.home.token_credential: `), e.message);
    assert.match(e.message, /\$CREDENTIALS_DIRECTORY/);
    assert.match(e.message, /LoadCredential=cf:/);
  });

  for (const name of ["../cf", "a/b", "..", "."]) {
    it(`credential named ${JSON.stringify(name)}/parse/refused`, async () => {
      await refusedAt(provider(`token_credential = "${name}"`), 3, "providers.home.token_credential", /is not a credential name/, { credentialsDir: "/tmp" });
    });
  }

  it("missing secret file/parse/SECRET_UNREADABLE naming key and path", async () => {
    const e = await refused(provider(`token_file = "/nonexistent/ddns/cf.token"`));
    assert.equal(e.code, "SECRET_UNREADABLE");
    assert.equal(e.message, `${FILE}:3: providers.home.token_file: cannot read the secret file /nonexistent/ddns/cf.token (ENOENT: no such file)`);
  });

  it("missing credential/parse/SECRET_UNREADABLE naming name and path", async () => {
    const t = await tempDir();
    try {
      const e = await refused(provider(`token_credential = "cf"`), { credentialsDir: t.dir });
      assert.equal(e.code, "SECRET_UNREADABLE");
      assert.match(e.message, new RegExp(`cannot read the credential "cf" at ${join(t.dir, "cf")} \\(ENOENT`));
    } finally {
      await t.done();
    }
  });

  it("secret file that is a directory, empty or huge/parse/refused without its content", async () => {
    const t = await tempDir();
    try {
      await mkdir(join(t.dir, "d"));
      const dir = await refused(provider(`token_file = "${join(t.dir, "d")}"`));
      assert.equal(dir.code, "SECRET_UNREADABLE");
      assert.equal(dir.message, `${FILE}:3: providers.home.token_file: cannot read the secret file ${join(t.dir, "d")} (not a regular file)`);
      const empty = await t.write("empty", "\n");
      await refusedAt(provider(`token_file = "${empty}"`), 3, "providers.home.token_file", /it is empty/);
      const huge = await t.write("huge", SECRET.repeat(5000));
      const e = await refusedAt(provider(`token_file = "${huge}"`), 3, "providers.home.token_file", /larger than 64 KiB/);
      assert.ok(!e.message.includes(SECRET));
    } finally {
      await t.done();
    }
  });

  it("relative secret file/parse/refused", async () => {
    await refusedAt(provider(`token_file = "cf.token"`), 3, "providers.home.token_file", /must be an absolute path/);
  });

  it("secret given twice/parse/refused at the second", async () => {
    await refusedAt(provider(`token = "${SECRET}"\ntoken_file = "/x"`), 4, "providers.home.token_file", /give token only once: token and token_file are both set/);
  });

  it("push secrets/parse/from file and credential", async () => {
    const t = await tempDir();
    try {
      const pw = await t.write("pw", "push-pw-from-file\n");
      await t.write("tok", "push-tok-from-credential\n");
      const text = `${provider(`token = "${SECRET}"`)}\n[[records]]\nname = "a.example.org"\nprovider = "home"\n\n[push]\nnames = ["a.example.org"]\nusername = "router"\npassword_file = "${pw}"\ntoken_credential = "tok"\n`;
      const c = await parse(text, { credentialsDir: t.dir });
      assert.deepEqual(c.push, { names: ["a.example.org"], username: "router", password: "push-pw-from-file", token: "push-tok-from-credential" });
    } finally {
      await t.done();
    }
  });

  it("secret in bad configs/parse/absent from every message", async () => {
    const t = await tempDir();
    try {
      const secretFile = await t.write("s", SECRET.repeat(5000));
      const bad = [
        provider(`token = "${SECRET}"`, "zone = 5\n"),
        provider(`token = "${SECRET}`),
        provider(`token = ${SECRET}`),
        provider(`token = "${SECRET}\\q"`),
        provider(`token = ["${SECRET}"]`),
        provider(`tokne = "${SECRET}"`),
        provider(`token = "${SECRET}"\ntoken = "${SECRET}"`),
        provider(`token = "${SECRET}"\ntoken_credential = "${SECRET}"`),
        provider(`token = "${SECRET}"`, `endpoint = "http://example.com/?token=${SECRET}"\n`),
        provider(`token = "${SECRET}"`, `endpoint = "https://u:${SECRET}@example.com/"\n`),
        provider(`token = "${SECRET}"`, `endpoint = "${SECRET}"\n`),
        provider(`token_file = "${secretFile}"`),
        `[push]\nnames = ["x.example.org"]\npassword = "${SECRET}"\n`,
        `[push]\nnames = []\ntoken = "${SECRET}"\nusername = 1\n`,
      ];
      for (const text of bad) {
        for (const fileMode of [0o100600, 0o100644]) {
          const e = await refused(text, { fileMode, credentialsDir: t.dir });
          assert.ok(!e.message.includes(SECRET), `secret shown:\n${e.message}`);
          assert.ok(!e.message.includes("S3cr3t"), `part of the secret shown:\n${e.message}`);
        }
      }
    } finally {
      await t.done();
    }
  });
});

describe("Config - fingerprint", () => {
  const fp = async (text: string, opts: Parameters<typeof parse>[1] = {}) => {
    const c = await parse(text, opts);
    const f = c.providers.get("home")?.fingerprint;
    assert.match(f ?? "", /^[0-9a-f]{16}$/);
    return f as string;
  };

  it("same table/parse twice/same fingerprint", async () => {
    assert.equal(await fp(provider(`token = "${SECRET}"`)), await fp(provider(`token = "${SECRET}"`)));
  });

  it("non-secret key changed/parse/fingerprint changes", async () => {
    assert.notEqual(await fp(provider(`token = "${SECRET}"`)), await fp(provider(`token = "${SECRET}"`, 'zone = "example.org"\n')));
    assert.notEqual(
      await fp(provider(`token = "${SECRET}"`)),
      await fp(provider(`token = "${SECRET}"`, 'endpoint = "http://127.0.0.1:1"\n')),
    );
  });

  it("inline secret changed, same file mtime/parse/fingerprint holds no trace of the value", async () => {
    assert.equal(await fp(provider(`token = "${SECRET}"`)), await fp(provider(`token = "tok-other-value-9"`)));
  });

  it("inline secret, config file touched/parse/fingerprint changes", async () => {
    assert.notEqual(await fp(provider(`token = "${SECRET}"`), { fileMtimeMs: 1 }), await fp(provider(`token = "${SECRET}"`), { fileMtimeMs: 2 }));
  });

  it("secret file rewritten or touched/parse/fingerprint changes", async () => {
    const t = await tempDir();
    try {
      const f = await t.write("cf.token", "fp-secret-aaaa\n");
      await utimes(f, 1000, 1000);
      const text = provider(`token_file = "${f}"`);
      const first = await fp(text);
      assert.equal(await fp(text), first);
      await utimes(f, 2000, 2000);
      const touched = await fp(text);
      assert.notEqual(touched, first);
      await writeFile(f, "fp-secret-aaaaa\n");
      await utimes(f, 2000, 2000);
      assert.notEqual(await fp(text), touched);
    } finally {
      await t.done();
    }
  });

  it("credential re-written by systemd at each start/parse/fingerprint ignores its mtime, follows its size", async () => {
    const t = await tempDir();
    try {
      const f = await t.write("cf", "fp-secret-aaaa\n");
      const text = provider(`token_credential = "cf"`);
      await utimes(f, 1000, 1000);
      const first = await fp(text, { credentialsDir: t.dir });
      await utimes(f, 5000, 5000);
      assert.equal(await fp(text, { credentialsDir: t.dir }), first);
      await writeFile(f, "fp-secret-aaaaa\n");
      await chmod(f, 0o400);
      assert.notEqual(await fp(text, { credentialsDir: t.dir }), first);
    } finally {
      await t.done();
    }
  });
});
