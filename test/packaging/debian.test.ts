import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// build/test/packaging/ -> repository root. `npm test` builds dist/ first.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (p: string) => readFileSync(join(root, p), "utf8");

describe("Packaging - debian/", () => {
  it("package-lock runtime modules/vendored for the offline package build/each at the pinned version, with its licence in debian/copyright", () => {
    const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { dev?: boolean; optional?: boolean; version: string }> };
    const copyright = read("debian/copyright");
    // Optional modules are the native addons, vendored as C++ sources (below).
    const bundled = Object.entries(lock.packages)
      .filter(([path, p]) => path !== "" && p.dev !== true && p.optional !== true)
      .map(([path, p]) => [path.replace(/^node_modules\//, ""), p.version] as const);
    assert.ok(bundled.some(([name]) => name === "toml"));
    for (const [name, version] of bundled) {
      const pkg = JSON.parse(read(`vendor/${name}/package.json`)) as { version: string };
      assert.equal(pkg.version, version, `vendor/${name} is ${pkg.version}, package-lock.json pins ${version}: run node scripts/vendor.mjs`);
      // Its own Files: pattern, or its parent's (wrap-ansi/node_modules/string-width: same
      // holder and licence as wrap-ansi, and lintian calls a second pattern redundant).
      const listed = (n: string): boolean => new RegExp(`[\\s]vendor/${n.replace(/[/@.-]/g, "\\$&")}/\\*`).test(copyright);
      assert.ok(listed(name) || listed(name.split("/node_modules/")[0] ?? name), `debian/copyright: Files: vendor/${name}/*`);
    }
    for (const [addon, source] of [["sd-notify", "notify.cc"], ["systemd-journald", "src/journal_send.cc"]] as const) {
      assert.equal((JSON.parse(read(`vendor/${addon}/package.json`)) as { version: string }).version, lock.packages[`node_modules/${addon}`]?.version, addon);
      assert.ok(existsSync(join(root, "vendor", addon, source)) && existsSync(join(root, "vendor", addon, "binding.gyp")), `${addon}: sources vendored`);
      assert.match(copyright, new RegExp(`Files: vendor/${addon}/\\*`), addon);
    }
  });

  it("contact/User-Agent, debian/control/one contact, the Maintainer's; no Vcs-* or Homepage that does not exist", () => {
    const control = read("debian/control");
    const maintainer = /^Maintainer: .*<([^>]+)>$/m.exec(control)?.[1];
    assert.ok(maintainer, "debian/control names a Maintainer");
    assert.match(read("src/version.ts"), new RegExp(`CONTACT = "${maintainer.replace(/[.]/g, "\\.")}"`), "the User-Agent's contact is the Maintainer");
    assert.doesNotMatch(control, /^(Homepage|Vcs-[A-Za-z]+):/m, "no home page or repository is published");
    for (const f of ["README.md", "src/version.ts", "debian/copyright", "man/ddns.8"]) assert.doesNotMatch(read(f), /salsa\.debian\.org/, f);
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
      if (!src.includes("*")) {
        assert.ok(existsSync(join(root, src)), `${src} (debian/ddns.install)`);
        continue;
      }
      // A glob (dh_install expands it): it must match at least one file.
      const dir = dirname(src);
      const re = new RegExp(`^${basename(src).replace(/[.]/g, "\\.").replace(/\*/g, "[^/]*")}$`);
      assert.ok(readdirSync(join(root, dir)).some((n) => re.test(n)), `${src} (debian/ddns.install) matches nothing`);
    }
  });

  it("debian/ddns.* unit links/point at systemd/ files/each resolves", () => {
    for (const f of ["ddns.service", "ddns.path", "ddns.timer", "ddns.sysusers", "ddns.tmpfiles", "ddns.ddns-push.socket", "ddns.ddns-push@.service"]) {
      assert.ok(statSync(join(root, "debian", f)).isFile(), `debian/${f} resolves to a file`);
    }
  });

  it("/usr/bin/ddns/a symbolic link to the start script the build makes/which is executable", () => {
    // One file through Node's CommonJS loader per run (src/start/ddns.ts): no launcher
    // kept by hand in debian/, the same program as the repository's bin/ddns.
    assert.match(read("debian/ddns.links"), /^usr\/share\/ddns\/ddns-start\.cjs usr\/bin\/ddns$/m);
    assert.match(read("debian/ddns.install"), /^dist\/ddns-start\.cjs usr\/share\/ddns\/$/m);
    assert.equal(statSync(join(root, "dist/ddns-start.cjs")).mode & 0o777, 0o755);
    assert.equal(readFileSync(join(root, "bin/ddns"), "utf8"), readFileSync(join(root, "dist/ddns-start.cjs"), "utf8"), "bin/ddns is the start script");
  });

  it("executables/hooks, rules, tests/are mode 0755", () => {
    for (const f of ["debian/rules", "debian/tests/smoke", "debian/tests/units", "packaging/networkmanager/90-ddns", "packaging/networkd-dispatcher/90-ddns", "packaging/address-watch"]) {
      assert.equal(statSync(join(root, f)).mode & 0o777, 0o755, f);
    }
  });
});
