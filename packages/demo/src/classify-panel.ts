// The classification panel: image input (file, drop, paste, samples) and zero-shot classification
// with clip.encodeText / clip.encodeImage, embeddings cached by content.
import type { Clip, Tensor } from '@clipgpu/clip-runtime';
import { renderBars } from './charts.js';
import { $, clearError, input, setState, showError } from './dom.js';
import { app, updateButtons } from './state.js';

// ---- 3. zero-shot classification -------------------------------------------------------------------
// Embedding caches: text by model + text, images by model + SHA-256 of the file. Vectors are kept
// normalized on the CPU (a few hundred floats each), so a repeated classification needs no GPU work.
const textEmbeddings = new Map<string, Float32Array>();
const imageEmbeddings = new Map<string, Float32Array>();

async function sha256(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Rows of an embedding tensor [B, D] as unit vectors on the CPU; the tensor is freed. */
async function unitRows(t: Tensor): Promise<Float32Array[]> {
  const [B, D] = t.shape;
  const data = (await t.toArray()) as Float32Array;
  t.dispose();
  return Array.from({ length: B }, (_, b) => {
    const row = data.slice(b * D, (b + 1) * D);
    const norm = Math.hypot(...row) || 1;
    return row.map((x) => x / norm);
  });
}

async function embedTexts(model: Clip, texts: string[]): Promise<{ vectors: Float32Array[]; cached: number }> {
  const key = (t: string) => `${app.modelKey}\u0000${t}`;
  const todo = [...new Set(texts.filter((t) => !textEmbeddings.has(key(t))))];
  if (todo.length) {
    // one batch for every new text: token ids → transformer → projection, [todo.length, D]
    const rows = await unitRows(await model.encodeText(todo));
    todo.forEach((t, i) => textEmbeddings.set(key(t), rows[i]));
  }
  return { vectors: texts.map((t) => textEmbeddings.get(key(t))!), cached: texts.length - todo.length };
}

async function embedImage(model: Clip, img: { blob: Blob; hash: string }): Promise<{ vector: Float32Array; cached: boolean }> {
  const key = `${app.modelKey}\u0000${img.hash}`;
  const hit = imageEmbeddings.get(key);
  if (hit) return { vector: hit, cached: true };
  // decode (the browser's codecs) → resize + crop + normalize (GPU) → vision transformer
  const [vector] = await unitRows(await model.encodeImage([img.blob]));
  imageEmbeddings.set(key, vector);
  return { vector, cached: false };
}

export async function classify(): Promise<void> {
  if (!app.clip || !app.image) return;
  const labels = [
    ...new Set(
      $<HTMLTextAreaElement>('labels')
        .value.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (labels.length < 2) return showError(new Error('Enter at least two labels, separated by commas.'));
  const template = input('template').value.includes('{}') ? input('template').value : '{}';
  const status = $('classify-status');
  clearError();
  setState('classify', 'busy');
  $<HTMLButtonElement>('classify').disabled = true;
  const t0 = performance.now();
  try {
    const text = await embedTexts(
      app.clip,
      labels.map((l) => template.replace('{}', l)),
    );
    const img = await embedImage(app.clip, app.image);
    // softmax over the labels of logitScale · cos(image, text): CLIP's zero-shot classifier
    const logits = text.vectors.map((t) => app.clip!.logitScale * t.reduce((s, x, i) => s + x * img.vector[i], 0));
    const top = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - top));
    const sum = exps.reduce((a, b) => a + b, 0);
    const scores = labels.map((label, k) => ({ label, score: exps[k] / sum })).sort((a, b) => b.score - a.score);
    renderBars($('bars'), scores);
    status.textContent =
      `${(performance.now() - t0).toFixed(0)} ms · ${text.cached} of ${labels.length} label embeddings and ` +
      `${img.cached ? 'the image embedding' : 'no image embedding'} from the cache`;
    setState('classify', 'done');
  } catch (e) {
    setState('classify', 'error');
    showError(e);
  } finally {
    updateButtons();
  }
}

async function setImage(blob: Blob, name: string): Promise<void> {
  if (!blob.type.startsWith('image/') && blob.type !== '') return showError(new Error(`${name} is not an image (${blob.type})`));
  const preview = $<HTMLImageElement>('preview');
  if (preview.src.startsWith('blob:')) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(blob);
  preview.alt = name;
  preview.hidden = false;
  $('drop-hint').hidden = true;
  app.image = { blob, hash: await sha256(blob), name };
  document.querySelectorAll<HTMLButtonElement>('#samples button').forEach((b) => b.classList.toggle('active', b.title === name));
  updateButtons();
  if (app.clip) await classify();
}

export function wireImageInput(): void {
  const drop = $('drop');
  const file = input('file');
  file.onchange = () => file.files?.[0] && setImage(file.files[0], file.files[0].name);
  drop.ondragover = (e) => {
    e.preventDefault();
    drop.classList.add('over');
  };
  drop.ondragleave = () => drop.classList.remove('over');
  drop.ondrop = (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void setImage(f, f.name);
  };
  document.addEventListener('paste', (e) => {
    const item = Array.from(e.clipboardData?.items ?? []).find((i) => i.type.startsWith('image/'));
    const f = item?.getAsFile();
    if (f) void setImage(f, f.name || 'pasted image');
  });
  const samples = $('samples');
  for (const s of app.manifest.samples) {
    const b = document.createElement('button');
    b.title = s.name;
    b.dataset.caption = s.caption;
    const img = document.createElement('img');
    img.src = s.url;
    img.alt = s.caption;
    b.append(img);
    b.onclick = async () => {
      const res = await fetch(s.url);
      if (!res.ok) return showError(new Error(`${s.url}: HTTP ${res.status}`));
      await setImage(await res.blob(), s.name);
    };
    samples.append(b);
  }
}
