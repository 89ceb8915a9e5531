// Composition root: argv/env -> dependencies -> command -> exit code.
export const VERSION = "0.1.0";
process.stdout.write(`ddns ${VERSION}\n`);
