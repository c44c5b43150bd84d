// Small DOM helpers of the benchmark page.
export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`bench page: no #${id}`);
  return el as T;
};
export const button = (id: string) => $<HTMLButtonElement>(id);

/** Offers `text` as a file download. */
export function download(name: string, text: string, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function fatal(message: string): void {
  const el = $('fatal');
  el.textContent = message;
  el.hidden = false;
  document.body.dataset.bench = 'unavailable';
  document.querySelectorAll<HTMLButtonElement>('#controls button').forEach((b) => (b.disabled = true));
}
