// The shapes CLIP really runs: one transformer block's products, attention, layernorm and the
// (unfused) attention softmax, for ViT-B/32 (50 tokens), ViT-L/14 (257 tokens) and the text tower
// (77 tokens, causal), at batch 1 and 16. Ours and the peers' rows use this one list.

export interface Tower {
  name: string;
  T: number;
  width: number;
  heads: number;
  mlp: number;
  causal: boolean;
}

export const TOWERS: Tower[] = [
  { name: 'ViT-B/32', T: 50, width: 768, heads: 12, mlp: 3072, causal: false },
  { name: 'text', T: 77, width: 512, heads: 8, mlp: 2048, causal: true },
  { name: 'ViT-L/14', T: 257, width: 1024, heads: 16, mlp: 4096, causal: false },
];

/** Where a case comes from, for the page's tower and batch controls. */
interface Origin {
  tower: string;
  batch: number;
}

export interface MatmulCase extends Origin {
  name: string;
  /** M = batch·T tokens, K in-features, N out-features: x[M,K]·W[N,K]ᵀ + b */
  M: number;
  K: number;
  N: number;
}
export interface RowsCase extends Origin {
  name: string;
  rows: number;
  cols: number;
}
export interface AttentionCase extends Origin {
  name: string;
  heads: number;
  T: number;
  headDim: number;
  causal: boolean;
}

export interface CaseSet {
  matmul: MatmulCase[];
  attention: AttentionCase[];
  layernorm: RowsCase[];
  softmax: RowsCase[];
}

/**
 * quick (the default on a software adapter): batch 1 only, and of ViT-L/14 only the out-proj
 * product (its bigger products take seconds each on SwiftShader). Otherwise batch 1 and 16, all.
 */
export function caseSet(quick: boolean, batches: number[] = quick ? [1] : [1, 16]): CaseSet {
  const out: CaseSet = { matmul: [], attention: [], layernorm: [], softmax: [] };
  for (const batch of batches) {
    for (const t of TOWERS) {
      const M = batch * t.T;
      const tag = `${t.name} b${batch}`;
      const o = { tower: t.name, batch };
      const light = quick && t.name === 'ViT-L/14';
      const mm: MatmulCase[] = [
        { ...o, name: `${tag} qkv`, M, K: t.width, N: 3 * t.width },
        { ...o, name: `${tag} out-proj`, M, K: t.width, N: t.width },
        { ...o, name: `${tag} fc1`, M, K: t.width, N: t.mlp },
        { ...o, name: `${tag} fc2`, M, K: t.mlp, N: t.width },
      ];
      out.matmul.push(...(light ? mm.filter((c) => c.name.endsWith('out-proj')) : mm));
      out.attention.push({ ...o, name: tag, heads: t.heads, T: t.T, headDim: t.width / t.heads, causal: t.causal });
      out.layernorm.push({ ...o, name: tag, rows: M, cols: t.width });
      // the attention probabilities an unfused implementation would softmax: [batch·heads·T, T]
      out.softmax.push({ ...o, name: `${tag} scores`, rows: batch * t.heads * t.T, cols: t.T });
    }
  }
  return out;
}

export const FAMILIES = ['matmul', 'attention', 'layernorm', 'softmax'] as const;

/** The cases the options select: families, towers, batches and a name filter. */
export function selectCases(o: { quick: boolean; only: string[]; towers: string[]; batches: number[]; match?: string }): CaseSet {
  const set = caseSet(o.quick, o.batches.length ? o.batches : undefined);
  const families = o.only.filter((f) => (FAMILIES as readonly string[]).includes(f));
  const keep = (c: { name: string; tower: string }) =>
    (!o.towers.length || o.towers.includes(c.tower)) && (!o.match || c.name.includes(o.match));
  for (const k of FAMILIES) {
    const wanted = families.length ? families.includes(k) : !o.only.length;
    (set[k] as { name: string; tower: string }[]) = wanted ? set[k].filter(keep) : [];
  }
  return set;
}
