// An esbuild plugin for browser builds of the workspace's sources: Node-only code lives in modules
// named *.node.ts, and a browser build takes the sibling *.browser.ts in their place.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const browserTwins = {
  name: 'browser-twins',
  setup(build) {
    build.onResolve({ filter: /\.node\.js$/ }, (args) => {
      const twin = path.resolve(args.resolveDir, args.path.replace(/\.node\.js$/, '.browser.ts'));
      if (!existsSync(twin)) return { errors: [{ text: `${args.path} is Node-only and has no browser twin (${twin})` }] };
      return { path: twin };
    });
  },
};
