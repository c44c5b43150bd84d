// Two small charts in plain DOM: horizontal probability bars and a loss curve (SVG polyline).

/** Replaces `el`'s content with one bar per label, highest first. */
export function renderBars(el: HTMLElement, scores: { label: string; score: number }[]): void {
  el.replaceChildren(
    ...scores.map(({ label, score }) => {
      const row = document.createElement('div');
      row.className = 'bar';
      row.dataset.label = label;
      row.dataset.score = String(score);
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = name.title = label;
      const track = document.createElement('span');
      track.className = 'track';
      const fill = document.createElement('span');
      fill.className = 'fill';
      fill.style.display = 'block';
      fill.style.width = `${(100 * score).toFixed(1)}%`;
      track.append(fill);
      const pct = document.createElement('span');
      pct.className = 'pct';
      pct.textContent = `${(100 * score).toFixed(1)}%`;
      row.append(name, track, pct);
      return row;
    }),
  );
}

const SVG = 'http://www.w3.org/2000/svg';

/** Draws `values` (one per step) into an SVG with a 300×120 viewBox, min and max labelled. */
export function renderLossCurve(svg: SVGSVGElement, values: readonly number[]): void {
  svg.dataset.losses = JSON.stringify(values);
  if (!values.length) {
    svg.replaceChildren();
    return;
  }
  const W = 300;
  const H = 120;
  const pad = 12;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
  const x = (i: number) => (values.length === 1 ? W / 2 : (i / (values.length - 1)) * W);
  const y = (v: number) => pad + (1 - (v - lo) / (hi - lo)) * (H - 2 * pad);
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '));
  const label = (text: string, yPos: number) => {
    const t = document.createElementNS(SVG, 'text');
    t.setAttribute('x', '4');
    t.setAttribute('y', String(yPos));
    t.textContent = text;
    return t;
  };
  svg.replaceChildren(line, label(`loss ${hi.toFixed(3)}`, 10), label(`${lo.toFixed(3)} · step ${values.length}`, H - 2));
}
