import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Script } from "node:vm";
import { runCached } from "../src/code-cache.js";

const ROOT = join(import.meta.dirname, "..", "..");
const HEAD = "(function (exports, require, module, __filename, __dirname) { ";
/** A part as the build writes it: build id, then the CommonJS function around the code. */
const WRAPPED = (id: string, body: string): string => `/*ddns-build:${id}*/${HEAD}\n${body}\n});`;

async function bundle(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ddns-code-cache-"));
  const file = join(dir, "part.cjs");
  await writeFile(file, text);
  return file;
}

describe("Code cache - a bundle part loaded on demand", () => {
  it("wrapped by the build, or not/run/exports returned, module and __dirname as CommonJS gives them", async () => {
    const body = `module.exports = { twice: (n) => 2 * n, dir: __dirname, file: __filename };`;
    for (const text of [WRAPPED("abc123", body), `/*ddns-build:abc123*/\n${body}`]) {
      const file = await bundle(text);
      const m = runCached(file, "abc123") as { twice: (n: number) => number; dir: string; file: string };
      assert.equal(m.twice(21), 42);
      assert.equal(m.file, file);
      assert.equal(m.dir, join(file, ".."));
    }
  });

  it("another build's bundle/run/refused with an error that says to reinstall", async () => {
    const file = await bundle(WRAPPED("abc123", `module.exports = 1;`));
    assert.throws(() => runCached(file, "def456"), /not from this build of ddns \(def456\): reinstall/);
  });

  it("a cache of this build, a damaged one, another build's/run/the same exports every time", async () => {
    const text = WRAPPED("abc123", `exports.answer = [1, 2, 3].map((x) => x * 7).join(",");`);
    const file = await bundle(text);
    const good = new Script(text, { filename: file });
    good.runInThisContext();
    const data = good.createCachedData();
    for (const cache of [
      Buffer.concat([Buffer.from("ddns-build:abc123\n", "latin1"), data]),
      Buffer.concat([Buffer.from("ddns-build:abc123\n", "latin1"), Buffer.from("not a V8 cache at all")]),
      Buffer.concat([Buffer.from("ddns-build:zzz999\n", "latin1"), data]),
      Buffer.alloc(0),
    ]) {
      await writeFile(`${file}.cache`, cache);
      assert.deepEqual({ ...(runCached(file, "abc123") as object) }, { answer: "7,14,21" });
    }
  });

  it("the parts the reconciler loads/start/already wrapped as src/start/launch.ts wraps them", async () => {
    const launch = await readFile(join(ROOT, "src/start/launch.ts"), "utf8");
    assert.ok(launch.includes(`const WRAP_HEAD = ${JSON.stringify(HEAD)};`), "the head this test checks is the launcher's");
    for (const name of ["ddns-toml", "ddns-provider-cloudflare", "ddns-provider-dyndns2", "ddns-provider-rfc2136"]) {
      const text = await readFile(join(ROOT, "dist", `${name}.cjs`), "utf8");
      assert.match(text, /^\/\*ddns-build:[0-9a-f]{16}\*\//, name);
      assert.ok(text.startsWith(HEAD, text.indexOf("*/") + 2), `${name}.cjs is written wrapped`);
      assert.ok(text.trimEnd().endsWith("\n});"), `${name}.cjs ends the wrapper`);
    }
  });
});
