/** ddns's version (package.json, debian/changelog and this agree; a test checks). */
export const VERSION = "0.1.0";

/**
 * Where the people behind ddns can be reached (No-IP asks every client to name one):
 * the Maintainer address of debian/control, the one contact the project publishes (it
 * has no public repository or home page, so debian/control names no Vcs-* or Homepage;
 * a test keeps the two in step).
 */
export const CONTACT = "maintainers@users.noreply.r-seed-ab706e0f.example";

/**
 * The User-Agent of every HTTP request ddns makes, built here only. No-IP's rule
 * (https://www.noip.com/integrate/request): "Clients that do not supply a certified
 * and approved User-Agent risk being rate-limited or blocked", format
 * "NameOfProgram/Version maintainer-contact"; Dyn asks for company, model and build.
 */
export const USER_AGENT = `ddns/${VERSION} ${CONTACT}`;

declare const __DDNS_BUILD_ID__: string | undefined;

/**
 * The build this code came from: scripts/build.mjs defines __DDNS_BUILD_ID__ in
 * every bundle of one build; "dev" in the tsc output the tests run. An idle seal
 * (state/idle-seal.ts) is trusted only by the same version and build.
 */
export const BUILD_ID = typeof __DDNS_BUILD_ID__ === "string" ? __DDNS_BUILD_ID__ : "dev";
export const BUILD = `${VERSION}+${BUILD_ID}`;
