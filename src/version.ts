/** ddns's version (package.json, debian/changelog and this agree; a test checks). */
export const VERSION = "0.1.0";

declare const __DDNS_BUILD_ID__: string | undefined;

/**
 * The build this code came from: scripts/build.mjs defines __DDNS_BUILD_ID__ in
 * every bundle of one build; "dev" in the tsc output the tests run. An idle seal
 * (state/idle-seal.ts) is trusted only by the same version and build.
 */
export const BUILD = `${VERSION}+${typeof __DDNS_BUILD_ID__ === "string" ? __DDNS_BUILD_ID__ : "dev"}`;
