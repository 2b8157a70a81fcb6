// `import sealed from "../secrets.sealed"`: the bundler turns the file into its bytes
// (wrangler: the Data rule in wrangler.toml; esbuild: --loader:.sealed=binary).
declare module "*.sealed" {
  const bytes: ArrayBuffer | Uint8Array;
  export default bytes;
}
