// The embedded tiny models shipped in the repository's weights/ folder.
export async function embeddedModelPath(name: string): Promise<string> {
  if (typeof process === 'undefined' || !process.versions?.node)
    throw new Error(`the embedded model '${name}' is read from disk in Node; in a browser pass its URL (e.g. 'weights/${name}/')`);
  const path = await import('node:path');
  const fs = await import('node:fs');
  const url = await import('node:url');
  // from src/io (sources) or dist/ (built): walk up to the folder that holds weights/
  let dir = path.dirname(url.fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'weights', name);
    if (fs.existsSync(path.join(candidate, 'config.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`the embedded model '${name}' is not in weights/ (train it with \`pnpm train:tiny\`, or pass --model DIR)`);
}
