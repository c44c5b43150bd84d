// WGSL sources are imported as strings (esbuild's text loader, and a Vite transform in vitest).
declare module '*.wgsl' {
  const source: string;
  export default source;
}
// wgsl_reflect's "main" is CJS under "type": "module", so we import its ESM build directly.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
