// clipgpu embed --model DIR (--text T ... | --image FILE ...) [--json]
import { parse, loadModel, table, UsageError } from './common.js';

const USAGE = 'clipgpu embed [--model DIR] (--text T ... | --image FILE ...) [--dtype f32|f16] [--json]';

export async function embed(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      model: { type: 'string' },
      text: { type: 'string', multiple: true },
      image: { type: 'string', multiple: true },
      dtype: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  const texts = values.text ?? [];
  const images = [...(values.image ?? []), ...positionals];
  if (!texts.length && !images.length) throw new UsageError(`give --text or --image\nusage: ${USAGE}`);
  const clip = await loadModel(values.model, values.dtype);
  const rows: { kind: string; input: string; embedding: number[] }[] = [];
  if (texts.length) {
    const t = await clip.encodeText(texts);
    const data = await t.toArray();
    t.dispose();
    const d = data.length / texts.length;
    texts.forEach((text, i) => rows.push({ kind: 'text', input: text, embedding: Array.from(data.subarray(i * d, (i + 1) * d)) }));
  }
  if (images.length) {
    const t = await clip.encodeImage(images);
    const data = await t.toArray();
    t.dispose();
    const d = data.length / images.length;
    images.forEach((file, i) => rows.push({ kind: 'image', input: file, embedding: Array.from(data.subarray(i * d, (i + 1) * d)) }));
  }
  clip.dispose();
  if (values.json) {
    console.log(JSON.stringify(rows));
    return;
  }
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  console.log(
    table(
      ['kind', 'input', 'dim', 'norm', 'first values'],
      rows.map((r) => [
        r.kind,
        r.input,
        r.embedding.length,
        norm(r.embedding).toFixed(4),
        `${r.embedding
          .slice(0, 4)
          .map((x) => x.toFixed(4))
          .join(' ')} …`,
      ]),
    ),
  );
}
