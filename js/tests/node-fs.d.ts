// The one Node API a test reads files with (tsconfig lists no @types/node): the style sheets' colours.
declare module "node:fs" {
  export function readFileSync(path: URL, encoding: "utf8"): string;
}
