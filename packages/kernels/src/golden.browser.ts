// The browser build's stand-in for golden.node.ts: golden files are rewritten from Node only.
import type * as NodeTwin from './golden.node.js';

export const writeGolden: typeof NodeTwin.writeGolden = () => false;
