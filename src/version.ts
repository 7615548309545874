/**
 * adgen's version, as package.json gives it: a constant, so that the compiler needs no file
 * system (it also runs in a browser: playground/). test/cli.test.ts checks the two agree.
 */
export const version = "0.1.0";
