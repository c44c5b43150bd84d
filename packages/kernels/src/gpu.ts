// The kernel runtime: a device, cached pipelines, and one open command encoder into which
// launchers record dispatches. Work is submitted on flush() or on a read-back; WebGPU validation
// errors of a batch are captured in an error scope and thrown, with the kernel's label, by the next
// read()/sync(). Buffers made here are counted so callers can check that memory does not grow.
import { requestDevice, type AdapterReport, type RequestDeviceOptions } from './device.js';
import { gentleWait } from './gentle-wait.js';
import { KernelProfiler, type KernelTime } from './profiler.js';
import { KernelError, type Program, type Workgroups } from './program.js';

export interface BufferSlice {
  buffer: GPUBuffer;
  offset?: number;
  size?: number;
}
export type BufferArg = GPUBuffer | BufferSlice;

export interface RunArgs {
  /** storage buffers by their WGSL names */
  buffers: Record<string, BufferArg>;
  /** fields of the kernel's uniform struct by name */
  uniforms?: Record<string, number | readonly number[]>;
  /** pipeline-overridable constants (`override X: u32`) */
  constants?: Record<string, number>;
  workgroups: Workgroups;
  /** bytes each named buffer must hold at least; a smaller one is an error naming it */
  minBytes?: Record<string, number>;
}

const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8; /* COPY_DST */
const UNIFORM_RING_BYTES = 256 * 1024;

function sliceOf(a: BufferArg): Required<BufferSlice> {
  // A GPUBuffer has no `buffer` property; a slice does.
  if ('buffer' in a) return { buffer: a.buffer, offset: a.offset ?? 0, size: a.size ?? a.buffer.size - (a.offset ?? 0) };
  return { buffer: a, offset: 0, size: a.size };
}

export class Gpu {
  private pipelines = new Map<Program, Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>>();
  private encoder?: GPUCommandEncoder;
  private pass?: GPUComputePassEncoder;
  private uniformCpu = new Uint8Array(UNIFORM_RING_BYTES);
  private uniformUsed = 0;
  private uniformGpu?: GPUBuffer;
  private scopeErrors: Promise<{ error: GPUError | null; kernels: string[] }>[] = [];
  /** kernels recorded into the open batch, so an error raised at submit (e.g. a destroyed buffer) still names them */
  private batchKernels = new Set<string>();
  private uncaptured: GPUError[] = [];
  private lostMessage?: string;
  private live = new Map<GPUBuffer, number>();
  private destroyAfterSubmit: GPUBuffer[] = [];
  private readonly uniformAlign: number;
  private profiler?: KernelProfiler;
  /** bytes of storage buffers alive that were made through this Gpu */
  allocatedBytes = 0;
  /** dispatches recorded since creation (for benchmarks and tests) */
  dispatches = 0;

  /** The limits this Gpu enforces: the device's, or lower caps given to requestDevice({ limits }). */
  readonly limits: { readonly maxStorageBufferBindingSize: number; readonly maxBufferSize: number };

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterReport,
  ) {
    this.uniformAlign = device.limits.minUniformBufferOffsetAlignment;
    const a: Partial<AdapterReport['limits']> = adapter.limits ?? {};
    this.limits = {
      maxStorageBufferBindingSize: Math.min(device.limits.maxStorageBufferBindingSize, a.maxStorageBufferBindingSize ?? Infinity),
      maxBufferSize: Math.min(device.limits.maxBufferSize, a.maxBufferSize ?? Infinity),
    };
    device.addEventListener('uncapturederror', (e) => this.uncaptured.push((e as GPUUncapturedErrorEvent).error));
    device.lost.then((info) => {
      this.lostMessage = `GPU device lost (${info.reason}): ${info.message || 'no message'}`;
    });
  }

  static async create(options?: RequestDeviceOptions): Promise<Gpu> {
    const { device, adapter } = await requestDevice(options);
    return new Gpu(device, adapter);
  }

  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  // ---- buffers ---------------------------------------------------------------------------------

  /** A storage buffer of at least `bytes` (rounded up to 16 so vec4 views stay in range). */
  createBuffer(bytes: number, label = 'buffer'): GPUBuffer {
    this.assertAlive();
    if (!Number.isFinite(bytes) || bytes < 0) throw new KernelError(label, `invalid buffer size ${bytes}`);
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const max = this.limits.maxBufferSize;
    if (size > max) throw new KernelError(label, `${size} bytes exceed this device's maxBufferSize (${max})`);
    const buffer = this.device.createBuffer({ label, size, usage: STORAGE_USAGE });
    this.live.set(buffer, size);
    this.allocatedBytes += size;
    return buffer;
  }

  /** A new buffer holding `data`. */
  upload(data: ArrayBufferView, label = 'upload'): GPUBuffer {
    const buffer = this.createBuffer(data.byteLength, label);
    this.write(buffer, data);
    return buffer;
  }

  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.assertAlive();
    // Queue writes are ordered before the next submit, so pending dispatches that read the old
    // contents must be submitted first.
    if (this.encoder) this.flush();
    if (data.byteLength % 4 === 0) {
      this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
    } else {
      // writeBuffer moves whole 4-byte words: pad the tail.
      const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
      padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.device.queue.writeBuffer(buffer, byteOffset, padded);
    }
  }

  /** Frees a buffer; when recorded work still uses it, after that work is submitted. */
  destroyBuffer(buffer: GPUBuffer): void {
    const size = this.live.get(buffer);
    if (size !== undefined) {
      this.live.delete(buffer);
      this.allocatedBytes -= size;
    }
    if (this.encoder) this.destroyAfterSubmit.push(buffer);
    else buffer.destroy();
  }

  /** Fills a buffer with NaN (f32) so an element a kernel forgets to write fails its test. */
  poison(buffer: GPUBuffer): void {
    this.write(buffer, new Uint32Array(buffer.size / 4).fill(0x7fc00000));
  }

  // ---- dispatch --------------------------------------------------------------------------------

  private pipelineFor(program: Program, constants: Record<string, number> | undefined) {
    let byConst = this.pipelines.get(program);
    if (!byConst) this.pipelines.set(program, (byConst = new Map()));
    const key = constants ? JSON.stringify(Object.entries(constants).sort()) : '';
    let p = byConst.get(key);
    if (!p) {
      for (const k of Object.keys(constants ?? {}))
        if (!program.overrides.includes(k)) throw new KernelError(program.name, `unknown override constant '${k}'`);
      const label = key ? `${program.name}${key}` : program.name;
      const layout = this.device.createBindGroupLayout({
        label,
        entries: program.bindings.map((b) => ({ binding: b.binding, visibility: 4 /* COMPUTE */, buffer: { type: b.kind } })),
      });
      const module = this.device.createShaderModule({ label, code: program.wgsl });
      const pipeline = this.device.createComputePipeline({
        label,
        layout: this.device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: program.entryPoint, constants },
      });
      byConst.set(key, (p = { pipeline, layout }));
    }
    return p;
  }

  private begin(): GPUComputePassEncoder {
    if (!this.encoder) {
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
      this.encoder = this.device.createCommandEncoder({ label: 'clipgpu batch' });
    }
    if (!this.pass) this.pass = this.encoder.beginComputePass({ label: 'clipgpu pass' });
    return this.pass;
  }

  /** Records one dispatch of `program`. Checks every binding by name and size first. */
  run(program: Program, args: RunArgs): void {
    this.assertAlive();
    const storage = program.bindings.filter((b) => b.kind !== 'uniform');
    for (const b of storage)
      if (!(b.name in args.buffers)) throw new KernelError(program.name, `missing buffer '${b.name}' (binding ${b.binding})`);
    for (const k of Object.keys(args.buffers))
      if (!storage.some((b) => b.name === k))
        throw new KernelError(program.name, `unknown buffer '${k}'; the kernel binds ${storage.map((b) => b.name).join(', ')}`);
    const slices = Object.fromEntries(Object.entries(args.buffers).map(([k, v]) => [k, sliceOf(v)]));
    for (const [k, need] of Object.entries(args.minBytes ?? {})) {
      const s = slices[k];
      if (!s) throw new KernelError(program.name, `size given for unknown buffer '${k}'`);
      if (s.size < need) throw new KernelError(program.name, `buffer '${k}' holds ${s.size} bytes, needs ${need}`);
    }
    const maxBinding = this.limits.maxStorageBufferBindingSize;
    for (const [k, s] of Object.entries(slices))
      if (s.size > maxBinding)
        throw new KernelError(
          program.name,
          `buffer '${k}' binds ${s.size} bytes, more than this device's maxStorageBufferBindingSize (${maxBinding})`,
        );
    const [x, y = 1, z = 1] = args.workgroups;
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    if ([x, y, z].some((d) => !Number.isInteger(d) || d < 0 || d > maxDim))
      throw new KernelError(program.name, `workgroup count [${x}, ${y}, ${z}] out of range (max ${maxDim} per dimension)`);
    if (x * y * z === 0) return;

    if (program.uniform && this.uniformUsed + program.uniform.size > UNIFORM_RING_BYTES) this.flush();
    const pass = this.begin();
    const { pipeline, layout } = this.pipelineFor(program, args.constants);
    const entries: GPUBindGroupEntry[] = [];
    for (const b of storage) {
      const s = slices[b.name];
      entries.push({ binding: b.binding, resource: { buffer: s.buffer, offset: s.offset, size: s.size } });
    }
    if (program.uniform) {
      const bytes = program.packUniforms(args.uniforms ?? {});
      this.uniformGpu ??= this.device.createBuffer({
        label: 'clipgpu uniforms',
        size: UNIFORM_RING_BYTES,
        usage: 0x40 /* UNIFORM */ | 0x8,
      });
      const offset = this.uniformUsed;
      this.uniformCpu.set(new Uint8Array(bytes), offset);
      this.uniformUsed = Math.ceil((offset + bytes.byteLength) / this.uniformAlign) * this.uniformAlign;
      entries.push({ binding: program.uniform.binding, resource: { buffer: this.uniformGpu, offset, size: bytes.byteLength } });
    } else if (args.uniforms && Object.keys(args.uniforms).length) {
      throw new KernelError(program.name, 'this kernel has no uniforms');
    }
    let target = pass;
    if (this.profiler) {
      pass.end();
      target = this.pass = this.encoder!.beginComputePass({ label: program.name, timestampWrites: this.profiler.slot(program.name, args) });
    }
    target.setPipeline(pipeline);
    target.setBindGroup(0, this.device.createBindGroup({ label: program.name, layout, entries }));
    target.dispatchWorkgroups(x, y, z);
    if (this.profiler?.full) this.flush();
    this.batchKernels.add(program.name);
    this.dispatches++;
  }

  /** Records a buffer-to-buffer copy in order with the dispatches. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.begin();
    this.pass!.end();
    this.pass = undefined;
    this.encoder!.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.pass?.end();
    this.pass = undefined;
    if (this.uniformGpu && this.uniformUsed > 0) this.device.queue.writeBuffer(this.uniformGpu, 0, this.uniformCpu, 0, this.uniformUsed);
    const collectProfile = this.profiler?.resolve(this.encoder);
    this.device.queue.submit([this.encoder.finish()]);
    collectProfile?.();
    this.encoder = undefined;
    // The ring's buffer may still be read by the work just submitted; destroy() waits for it.
    this.uniformGpu?.destroy();
    this.uniformGpu = undefined;
    for (const b of this.destroyAfterSubmit.splice(0)) b.destroy();
    this.uniformUsed = 0;
    const kernels = [...this.batchKernels];
    this.batchKernels.clear();
    for (let i = 0; i < 2; i++) this.scopeErrors.push(gentleWait(this.device.popErrorScope()).then((error) => ({ error, kernels })));
  }

  /** Waits for all submitted work; throws the first WebGPU error it produced, naming the kernel. */
  async sync(): Promise<void> {
    this.flush();
    await gentleWait(this.device.queue.onSubmittedWorkDone());
    await this.throwErrors();
  }

  private async throwErrors(): Promise<void> {
    const scoped = (await Promise.all(this.scopeErrors.splice(0))).filter((e) => !!e.error);
    // Dawn names the kernel when the error is in its bind group or pipeline; at submit it names
    // only the encoder, so say which kernels the batch held
    const messages = scoped.map(({ error, kernels }) =>
      kernels.some((k) => error!.message.includes(k)) || !kernels.length
        ? error!.message
        : `${error!.message.trimEnd()}\n - in a batch of kernels: ${kernels.slice(0, 12).join(', ')}${kernels.length > 12 ? `, ... (${kernels.length})` : ''}`,
    );
    messages.push(...this.uncaptured.splice(0).map((e) => e.message));
    this.assertAlive();
    if (messages.length) throw new KernelError('webgpu', messages.join('\n'));
  }

  /** Copies `bytes` (default: the whole buffer) back to the CPU after all recorded work. */
  async read(buffer: GPUBuffer, bytes = buffer.size, offset = 0): Promise<ArrayBuffer> {
    this.assertAlive();
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.device.createBuffer({ label: 'clipgpu readback', size, usage: 0x1 /* MAP_READ */ | 0x8 });
    this.copy(buffer, offset, staging, 0, size);
    this.flush();
    try {
      await gentleWait(staging.mapAsync(1 /* READ */));
      const out = staging.getMappedRange().slice(0, bytes);
      staging.unmap();
      await this.throwErrors();
      return out;
    } catch (e) {
      await this.throwErrors();
      this.assertAlive();
      throw e;
    } finally {
      staging.destroy();
    }
  }

  async readF32(buffer: GPUBuffer, count = buffer.size / 4): Promise<Float32Array> {
    return new Float32Array(await this.read(buffer, count * 4));
  }

  /**
   * GPU time in ns of the dispatches `record` makes, from timestamp queries; null when the adapter
   * has no `timestamp-query` (callers then time a read-back with the wall clock).
   */
  async time(record: () => void): Promise<number | null> {
    if (!this.hasTimestamps) {
      record();
      await this.sync();
      return null;
    }
    this.flush();
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 });
    const resolve = this.device.createBuffer({ size: 16, usage: 0x200 /* QUERY_RESOLVE */ | 0x4 });
    this.begin();
    this.pass!.end(); // begin() opened an untimed pass
    this.pass = this.encoder!.beginComputePass({
      label: 'clipgpu timed pass',
      timestampWrites: { querySet, beginningOfPassWriteIndex: 0 },
    });
    record();
    this.pass?.end();
    // An empty pass writes the end stamp after everything recorded above.
    const endPass = this.encoder!.beginComputePass({ timestampWrites: { querySet, endOfPassWriteIndex: 1 } });
    endPass.end();
    this.pass = undefined;
    this.encoder!.resolveQuerySet(querySet, 0, 2, resolve, 0);
    const stamps = new BigInt64Array(await this.read(resolve, 16));
    querySet.destroy();
    resolve.destroy();
    return Number(stamps[1] - stamps[0]);
  }

  /**
   * Starts timing every dispatch by kernel (needs `timestamp-query`), or with byShape by kernel,
   * uniforms and workgroup count; profileReport() ends it.
   * Each dispatch then runs in its own pass, which slows the run: use it to rank kernels.
   */
  startProfile(options: { byShape?: boolean } = {}): void {
    if (!this.hasTimestamps) throw new KernelError('profile', "this adapter has no 'timestamp-query'");
    this.flush();
    this.profiler = new KernelProfiler(this.device, options.byShape ?? false);
  }

  /** Ends the profile: GPU time and dispatch count per kernel, largest first. */
  async profileReport(): Promise<KernelTime[]> {
    const p = this.profiler;
    if (!p) throw new KernelError('profile', 'no profile was started');
    await this.sync();
    this.profiler = undefined;
    return p.report();
  }

  private assertAlive(): void {
    if (this.lostMessage) throw new KernelError('clipgpu', this.lostMessage);
  }

  get lost(): boolean {
    return !!this.lostMessage;
  }

  /** Frees every buffer made here and the device. */
  destroy(): void {
    for (const b of this.live.keys()) b.destroy();
    this.live.clear();
    this.allocatedBytes = 0;
    this.device.destroy();
  }
}
