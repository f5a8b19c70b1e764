import { Size, SizeRoundingBehavior } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { canonicalQuantityOf, parseQuantity, validateQuantity } from './quantity';

/** CPU, memory and ephemeral storage of one container. Requests equal limits unless set apart. */
export interface ComputeResources {
  /** CPU request, as a quantity (`"8"`, `"500m"`). */
  readonly cpu: string;
  /** Memory request, as a quantity (`"64Gi"`). */
  readonly memory: string;
  /**
   * CPU limit.
   * @default - equal to `cpu` (Guaranteed QoS when memory also matches)
   */
  readonly cpuLimit?: string;
  /**
   * Memory limit; must not be below `memory`.
   * @default - equal to `memory`
   */
  readonly memoryLimit?: string;
  /**
   * Ephemeral-storage request and limit. In pods built by cdk8s-ml it must cover the pod's
   * emptyDirs on node disk (first container).
   * @default - derived in pods built by cdk8s-ml: the first container requests every emptyDir
   * on node disk plus 512 MiB for logs, the others 512 MiB; none elsewhere
   */
  readonly ephemeralStorage?: string;
}

/** Renders a `Size` as an exact binary quantity in canonical form (`"200Gi"`, `"1536Mi"`, `"1Pi"`). */
export function sizeToQuantity(size: Size): string {
  const kib = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!Number.isInteger(kib) || kib <= 0) throw new Error(`size must be a positive whole number of KiB, got ${kib} KiB`);
  return canonicalQuantityOf(`${kib}Ki`);
}

/** Bytes of a Size. */
export function sizeToBytes(size: Size): number {
  return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024;
}

/** Validates `resources` and renders requests/limits (GPU limits from `accelerator` added). */
export function renderResources(
  scope: IConstruct,
  resources: ComputeResources,
  accelerator?: Accelerator,
): k8s.ResourceRequirements {
  if (!resources || typeof resources !== 'object') fail(scope, `resources must be an object with cpu and memory, got ${show(resources)}`);
  const cpu = validateQuantity(scope, 'resources.cpu', resources.cpu);
  const memory = validateQuantity(scope, 'resources.memory', resources.memory);
  const cpuLimit = resources.cpuLimit ?? resources.cpu;
  const memoryLimit = resources.memoryLimit ?? resources.memory;
  if (validateQuantity(scope, 'resources.cpuLimit', cpuLimit) < cpu) {
    fail(scope, `resources.cpuLimit ${show(cpuLimit)} is below the cpu request ${show(resources.cpu)}`);
  }
  if (validateQuantity(scope, 'resources.memoryLimit', memoryLimit) < memory) {
    fail(scope, `resources.memoryLimit ${show(memoryLimit)} is below the memory request ${show(resources.memory)}`);
  }
  // Canonical quantities, as the API server stores them (`2000m` → `2`, `4096Mi` → `4Gi`).
  const q = (v: string | number) => k8s.Quantity.fromString(canonicalQuantityOf(v));
  const requests: Record<string, k8s.Quantity> = { cpu: q(resources.cpu), memory: q(resources.memory) };
  const limits: Record<string, k8s.Quantity> = { cpu: q(cpuLimit), memory: q(memoryLimit) };
  if (resources.ephemeralStorage !== undefined) {
    validateQuantity(scope, 'resources.ephemeralStorage', resources.ephemeralStorage);
    requests['ephemeral-storage'] = q(resources.ephemeralStorage);
    limits['ephemeral-storage'] = q(resources.ephemeralStorage);
  }
  if (accelerator) {
    accelerator.validate(scope);
    // Extended resources: the request defaults to the limit; set both for clarity. A string,
    // as stored (`"8"`, not the number 8).
    limits[accelerator.resourceName] = q(accelerator.count);
    requests[accelerator.resourceName] = q(accelerator.count);
  }
  return { requests, limits };
}

/** Memory limit in bytes of rendered resources, if any. */
export function memoryLimitBytes(resources: ComputeResources): number | undefined {
  return parseQuantity(resources.memoryLimit ?? resources.memory);
}

/** Options of {@link Accelerator.nvidiaGpu}. */
export interface NvidiaGpuOptions {
  /** GPUs per pod (a positive integer). */
  readonly count: number;
  /**
   * GPU model, matched against the `nvidia.com/gpu.product` node label set by GPU feature
   * discovery, e.g. `NVIDIA-H100-80GB-HBM3`.
   * @default - any GPU model
   */
  readonly product?: string;
}

/** Options of {@link Accelerator.custom}. */
export interface CustomAcceleratorOptions {
  /** Extended resource name, e.g. `amd.com/gpu` or `habana.ai/gaudi`. */
  readonly resourceName: string;
  /** Devices per pod (a positive integer). */
  readonly count: number;
  /** Node labels the pods must land on. @default - none */
  readonly nodeSelector?: Record<string, string>;
  /** Taint key tolerated with `Exists`/`NoSchedule`. @default - the resource name */
  readonly tolerationKey?: string;
}

/** Accelerators (GPUs) attached to each pod: resource limits, toleration and node selection. */
export class Accelerator {
  /** NVIDIA GPUs (`nvidia.com/gpu`), tolerating the `nvidia.com/gpu` taint. */
  public static nvidiaGpu(options: NvidiaGpuOptions): Accelerator {
    const selector: Record<string, string> = options.product !== undefined ? { 'nvidia.com/gpu.product': options.product } : {};
    return new Accelerator('nvidia.com/gpu', options.count, selector, 'nvidia.com/gpu', options.product);
  }

  /** AMD GPUs (`amd.com/gpu`). */
  public static amdGpu(options: { readonly count: number }): Accelerator {
    return new Accelerator('amd.com/gpu', options.count, {}, 'amd.com/gpu');
  }

  /** Any device plugin's extended resource. */
  public static custom(options: CustomAcceleratorOptions): Accelerator {
    return new Accelerator(options.resourceName, options.count, options.nodeSelector ?? {}, options.tolerationKey ?? options.resourceName);
  }

  private constructor(
    /** Extended resource name, e.g. `nvidia.com/gpu`. */
    public readonly resourceName: string,
    /** Devices per pod. */
    public readonly count: number,
    /** Node labels required. */
    public readonly nodeSelector: Record<string, string>,
    /** Taint key tolerated. */
    public readonly tolerationKey: string,
    /** GPU product, when pinned. */
    public readonly product?: string,
  ) {}

  /** Throws unless the count is a positive integer and the product a valid label value. */
  public validate(scope: IConstruct): void {
    if (!Number.isInteger(this.count) || this.count < 1) {
      fail(scope, `accelerator count must be a positive integer, got ${show(this.count)}`);
    }
    for (const [key, value] of Object.entries(this.nodeSelector)) {
      if (!/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value) || value.length > 63) {
        fail(scope, `accelerator node selector ${key} has an invalid label value ${show(value)}`);
      }
    }
  }

  /** The toleration for the device taint. */
  public tolerations(): k8s.Toleration[] {
    return [{ key: this.tolerationKey, operator: 'Exists', effect: 'NoSchedule' }];
  }
}
