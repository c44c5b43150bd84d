// One kernel program = WGSL source + the bind-group layout and uniform layout reflected from that
// source by wgsl_reflect (never a second, hand-kept table) + a cached pipeline per set of
// override constants. Launchers name buffers and uniforms by their WGSL names; a wrong or missing
// name is an error that names the kernel and the binding.
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';

export type Workgroups = readonly [number, number?, number?];

export interface ProgramBinding {
  name: string;
  binding: number;
  kind: 'uniform' | 'storage' | 'read-only-storage';
}

export interface UniformField {
  name: string;
  offset: number;
  /** scalar kind of the field (vectors are written component by component) */
  scalar: 'u32' | 'i32' | 'f32';
  components: number;
}

export class KernelError extends Error {
  constructor(kernel: string, message: string) {
    super(`${kernel}: ${message}`);
    this.name = 'KernelError';
  }
}

export class Program {
  readonly bindings: ProgramBinding[];
  readonly uniform?: { name: string; binding: number; size: number; fields: UniformField[] };
  readonly workgroupSize: [number, number, number];
  readonly overrides: string[];

  constructor(
    /** label of every pipeline and bind group made from it, so WebGPU errors name the kernel */
    readonly name: string,
    readonly wgsl: string,
    readonly entryPoint = 'main',
  ) {
    const reflect = new WgslReflect(wgsl);
    const groups = reflect.getBindGroups();
    if (groups.length > 1) throw new KernelError(name, 'kernels use bind group 0 only');
    this.bindings = (groups[0] ?? []).filter(Boolean).map((b) => ({
      name: b.name,
      binding: b.binding,
      kind: b.resourceType === 0 /* Uniform */ ? 'uniform' : b.access === 'read' ? 'read-only-storage' : 'storage',
    }));
    const uniforms = this.bindings.filter((b) => b.kind === 'uniform');
    if (uniforms.length > 1) throw new KernelError(name, 'at most one uniform struct per kernel');
    if (uniforms.length === 1) {
      const u = reflect.uniforms[0];
      const type = u.type as unknown as {
        size: number;
        members: { name: string; offset: number; type: { name: string; format?: { name: string } } }[];
      };
      if (!type.members) throw new KernelError(name, `uniform '${u.name}' must be a struct`);
      this.uniform = {
        name: u.name,
        binding: u.binding,
        size: Math.max(16, Math.ceil(type.size / 16) * 16),
        fields: type.members.map((m) => {
          const base = (m.type.format?.name ?? m.type.name) as UniformField['scalar'];
          if (!['u32', 'i32', 'f32'].includes(base))
            throw new KernelError(name, `uniform field '${m.name}' has unsupported type ${m.type.name}`);
          const components = /^vec([234])/.exec(m.type.name)?.[1];
          return { name: m.name, offset: m.offset, scalar: base, components: components ? Number(components) : 1 };
        }),
      };
    }
    const entry = reflect.entry.compute.find((e) => e.name === entryPoint);
    if (!entry) throw new KernelError(name, `no @compute entry point '${entryPoint}'`);
    const ws = (entry as unknown as { workgroupSize?: (number | string)[] }).workgroupSize ?? [1, 1, 1];
    this.workgroupSize = [0, 1, 2].map((i) => Number(ws[i] ?? 1) || 1) as [number, number, number];
    this.overrides = reflect.overrides.map((o) => o.name);
  }

  /** Packs named uniform values into the struct's bytes; every field must be given, nothing else. */
  packUniforms(values: Record<string, number | readonly number[]>): ArrayBuffer {
    const u = this.uniform;
    if (!u) throw new KernelError(this.name, 'this kernel has no uniforms');
    const buf = new ArrayBuffer(u.size);
    const view = new DataView(buf);
    for (const f of u.fields) {
      const v = values[f.name];
      if (v === undefined) throw new KernelError(this.name, `uniform '${f.name}' is missing`);
      const parts = typeof v === 'number' ? [v] : v;
      if (parts.length !== f.components) throw new KernelError(this.name, `uniform '${f.name}' needs ${f.components} values`);
      parts.forEach((x, i) => {
        const at = f.offset + 4 * i;
        if (f.scalar === 'f32') view.setFloat32(at, x, true);
        else {
          if (!Number.isInteger(x) || (f.scalar === 'u32' && x < 0))
            throw new KernelError(
              this.name,
              `uniform '${f.name}' must be a${f.scalar === 'u32' ? ' non-negative' : 'n'} integer, got ${x}`,
            );
          if (f.scalar === 'u32') view.setUint32(at, x, true);
          else view.setInt32(at, x, true);
        }
      });
    }
    for (const k of Object.keys(values))
      if (!u.fields.some((f) => f.name === k)) throw new KernelError(this.name, `unknown uniform '${k}'`);
    return buf;
  }
}

/** Number of workgroups for `count` items of `perGroup` each, as a 2-D grid when it exceeds 65535. */
export function grid(count: number, perGroup: number, maxPerDim = 65535): [number, number] {
  const groups = Math.max(1, Math.ceil(count / perGroup));
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}
