// What the driver (run.mjs, plain Node) needs of the TypeScript sources, bundled by it into
// .out/outputs.mjs: the report writers, the roofline chart and the URL settings codec.
export { rooflineSvg } from './chart.js';
export { markdown, peerRatios, ratioEntries, summary } from './report.js';
export { decodeSettings, encodeSettings } from './settings.js';
