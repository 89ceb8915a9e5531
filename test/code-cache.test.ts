import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Script } from "node:vm";
import { runCached } from "../src/code-cache.js";

const WRAP = (src: string): string => `(function (exports, require, module, __filename, __dirname) { ${src}\n});`;

async function bundle(id: string, body: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ddns-code-cache-"));
  const file = join(dir, "part.cjs");
  await writeFile(file, `/*ddns-build:${id}*/\n${body}`);
  return file;
}

describe("Code cache - a bundle part loaded on demand", () => {
  it("no cache/run/exports returned, module and __dirname as CommonJS gives them", async () => {
    const file = await bundle("abc123", `module.exports = { twice: (n) => 2 * n, dir: __dirname, file: __filename };`);
    const m = runCached(file, "abc123") as { twice: (n: number) => number; dir: string; file: string };
    assert.equal(m.twice(21), 42);
    assert.equal(m.file, file);
    assert.equal(m.dir, join(file, ".."));
  });

  it("another build's bundle/run/refused with an error that says to reinstall", async () => {
    const file = await bundle("abc123", `module.exports = 1;`);
    assert.throws(() => runCached(file, "def456"), /not from this build of ddns \(def456\): reinstall/);
  });

  it("a cache of this build, a damaged one, another build's/run/the same exports every time", async () => {
    const body = `exports.answer = [1, 2, 3].map((x) => x * 7).join(",");`;
    const file = await bundle("abc123", body);
    const good = new Script(WRAP(`/*ddns-build:abc123*/\n${body}`), { filename: file });
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
});
