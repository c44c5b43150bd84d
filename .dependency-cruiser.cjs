// The import rules of the workspace (pnpm check:imports). `import type` does not count: it is erased.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'a circle of runtime imports breaks at the first top-level use, depending on import order',
      from: { path: '^packages/[^/]+/src' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'packages-not-from-root-test',
      severity: 'error',
      comment: 'a package must not depend on the root test/ folder',
      from: { path: '^packages/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-reaching-into-another-package',
      severity: 'error',
      comment: "use the other package's exports (or its testing/internals subpath), not its src/",
      from: { path: '^(packages/([^/]+)|test)/' },
      // a bare '@clipgpu/…' import resolves to src/ through tsconfig paths: that one is fine
      to: { path: '^packages/([^/]+)/src/', pathNot: '^packages/$2/src/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] },
  },
};
