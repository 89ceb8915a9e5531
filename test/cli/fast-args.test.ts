import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseRunArgs } from "../../src/cli/fast-args.js";

const defs = { config: "/etc/ddns/ddns.toml", stateDir: "/var/lib/ddns", eventsDir: "/run/ddns/events", dryRun: false };

describe("CLI - fast run parser", () => {
  it("plain run/parse/defaults", () => {
    assert.deepEqual(parseRunArgs(["run"], defs), { ...defs, force: false });
  });
  it("run with options both spellings/parse/all taken", () => {
    assert.deepEqual(parseRunArgs(["run", "--config", "/c", "--state-dir=/s", "--events-dir", "/e", "--dry-run", "--force"], defs), {
      config: "/c",
      stateDir: "/s",
      eventsDir: "/e",
      dryRun: true,
      force: true,
    });
  });
  for (const argv of [["status"], ["run", "--help"], ["run", "--confg", "/c"], ["run", "--config"], ["run", "extra"], []]) {
    it(`${JSON.stringify(argv)}/parse/left to yargs`, () => {
      assert.equal(parseRunArgs(argv, defs), undefined);
    });
  }
});
