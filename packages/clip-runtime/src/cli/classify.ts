// clipgpu classify --model DIR IMAGE ... --labels "a dog,a cat" [--template "a photo of {}" ...] [--json]
// (several --template: their embeddings are ensembled)
import { parse, loadModel, table, UsageError } from './common.js';

const USAGE = 'clipgpu classify [--model DIR] IMAGE ... --labels "a dog,a cat" [--template "a photo of {}" ...] [--top K] [--json]';

export async function classify(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      model: { type: 'string' },
      labels: { type: 'string' },
      template: { type: 'string', multiple: true },
      top: { type: 'string' },
      dtype: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  if (!positionals.length) throw new UsageError(`no image given\nusage: ${USAGE}`);
  const labels = (values.labels ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  if (!labels.length) throw new UsageError(`--labels needs at least one label\nusage: ${USAGE}`);
  const top = values.top === undefined ? labels.length : Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got '${values.top}'`);
  const clip = await loadModel(values.model, values.dtype);
  const results = [];
  for (const image of positionals)
    results.push({ image, scores: (await clip.classify(image, labels, { template: values.template })).slice(0, top) });
  clip.dispose();
  if (values.json) {
    console.log(JSON.stringify(results));
    return;
  }
  for (const r of results) {
    console.log(`\n${r.image}`);
    console.log(
      table(
        ['label', 'probability', ''],
        r.scores.map((s) => [s.label, s.score.toFixed(4), '█'.repeat(Math.round(s.score * 30))]),
      ),
    );
  }
}
