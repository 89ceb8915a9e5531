import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// build/test/packaging/ -> repository root. `npm test` builds dist/ first.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (p: string) => readFileSync(join(root, p), "utf8");

describe("Packaging - debian/", () => {
  it("package-lock runtime modules/bundled into the .deb/each named in debian/copyright", () => {
    const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { dev?: boolean; optional?: boolean }> };
    const copyright = read("debian/copyright");
    // Optional modules are the native addons, which the package does not ship.
    const bundled = Object.entries(lock.packages)
      .filter(([path, p]) => path !== "" && p.dev !== true && p.optional !== true)
      .map(([path]) => path.replace(/^.*node_modules\//, ""));
    assert.ok(bundled.includes("toml"));
    for (const name of new Set(bundled)) assert.match(copyright, new RegExp(`[\\s,]${name.replace(/[/@.-]/g, "\\$&")}[\\s,(]`), name);
  });

  it("versions/changelog, package.json, src/version.ts and Depends/agree", () => {
    const pkg = JSON.parse(read("package.json")) as { version: string; engines: { node: string } };
    const changelog = /^ddns \(([^)]+)\)/.exec(read("debian/changelog"))?.[1];
    assert.equal(changelog, pkg.version, "debian/changelog's top version is package.json's");
    assert.match(read("src/version.ts"), new RegExp(`VERSION = "${pkg.version.replace(/\./g, "\\.")}"`));
    const min = pkg.engines.node.replace(/^>=\s*/, "");
    assert.match(read("debian/control"), new RegExp(`^Depends: nodejs \\(>= ${min.replace(/\./g, "\\.")}\\),`, "m"));
    assert.match(read("debian/control"), new RegExp(`^\\s+nodejs \\(>= ${min.replace(/\./g, "\\.")}\\),`, "m"), "Build-Depends too");
  });

  it("debian/ddns.install/every source/exists after the build", () => {
    for (const line of read("debian/ddns.install").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"))) {
      const src = line.split(/\s+/)[0] as string;
      assert.ok(existsSync(join(root, src)), `${src} (debian/ddns.install)`);
    }
  });

  it("debian/ddns.* unit links/point at systemd/ files/each resolves", () => {
    for (const f of ["ddns.service", "ddns.path", "ddns.timer", "ddns.sysusers", "ddns.tmpfiles", "ddns.ddns-push.socket", "ddns.ddns-push@.service"]) {
      assert.ok(statSync(join(root, "debian", f)).isFile(), `debian/${f} resolves to a file`);
    }
  });

  it("executables/hooks, launcher, rules, tests/are mode 0755", () => {
    for (const f of ["debian/rules", "debian/bin/ddns", "debian/tests/smoke", "debian/tests/units", "packaging/networkmanager/90-ddns", "packaging/networkd-dispatcher/90-ddns"]) {
      assert.equal(statSync(join(root, f)).mode & 0o777, 0o755, f);
    }
  });
});
