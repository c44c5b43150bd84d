// DOM helpers shared by the demo's modules: element lookup, number inputs, page state attributes,
// and the error / fatal-error banners.

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: no #${id} in index.html`);
  return el as T;
};
export const input = (id: string) => $<HTMLInputElement>(id);
export const intOf = (id: string, min: number) => {
  const v = Number(input(id).value);
  if (!Number.isInteger(v) || v < min) throw new Error(`${id}: enter a whole number ≥ ${min}`);
  return v;
};
/** Lets the browser handle input and paint before the next piece of GPU work. */
export const yieldToBrowser = () => new Promise<void>((r) => setTimeout(r, 0));
/** Page state for tests and curious users: <body data-model="ready" data-gen="running" …>. */
export const setState = (key: 'gpu' | 'model' | 'classify' | 'gen' | 'reads', value: string) => (document.body.dataset[key] = value);

export function showError(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  const el = $('error');
  el.textContent = msg;
  el.hidden = false;
  console.error(e);
}
export const clearError = () => ($('error').hidden = true);

export function fatal(message: string, action?: { label: string; run: () => void }): void {
  const el = $('fatal');
  el.textContent = message;
  if (action) {
    const b = document.createElement('button');
    b.textContent = action.label;
    b.onclick = action.run;
    el.append(document.createElement('br'), b);
  }
  el.hidden = false;
  document.querySelectorAll<HTMLButtonElement>('section button').forEach((b) => (b.disabled = true));
}
