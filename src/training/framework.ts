import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { fail, show } from '../core';

/** Annotation holding a pod's completion index in an Indexed Job (set by the Job controller). */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** Downward-API field path of the completion index. */
export const COMPLETION_INDEX_FIELD_PATH = `metadata.annotations['${JOB_COMPLETION_INDEX_ANNOTATION}']`;
/** Label carrying the owning Job's name on every pod of a Job (Kubernetes 1.27+). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

/** The distributed-training framework whose rendezvous contract the pods follow. */
export enum FrameworkKind {
  PYTORCH = 'pytorch',
  JAX = 'jax',
  TENSORFLOW = 'tensorflow',
  MPI = 'mpi',
  CUSTOM = 'custom',
}

/** Options of {@link Framework.pytorch}. */
export interface PyTorchFrameworkOptions {
  /**
   * Rendezvous port of node 0 (`PET_MASTER_PORT`, or the c10d endpoint port when elastic).
   * @default 29500
   */
  readonly port?: number;
  /**
   * Wrap the command in `torchrun` (which reads the `PET_*` variables): `python -m m` becomes
   * `torchrun -m m`, `python x.py` becomes `torchrun x.py`, any other executable runs with
   * `torchrun --no-python`. Set to false when the command already launches the workers.
   * @default true
   */
  readonly torchrun?: boolean;
  /**
   * Elastic training: the fewest nodes the job keeps running with. Setting `minNodes` or
   * `maxNodes` switches torchrun to the c10d rendezvous (`PET_RDZV_BACKEND=c10d`,
   * `PET_NNODES=min:max`); ranks are then assigned by the rendezvous, not by the index.
   * @default - not elastic
   */
  readonly minNodes?: number;
  /**
   * Elastic training: the most nodes that may join.
   * @default - the `nodes` prop when `minNodes` is set
   */
  readonly maxNodes?: number;
}

/** Options of {@link Framework.jax}. */
export interface JaxFrameworkOptions {
  /**
   * Port of the JAX coordinator service on node 0.
   * @default 1234
   */
  readonly port?: number;
}

/** Options of {@link Framework.tensorflow}. */
export interface TensorFlowFrameworkOptions {
  /**
   * gRPC port of every worker (listed in `TF_CONFIG`).
   * @default 2222
   */
  readonly port?: number;
}

/** Options of {@link Framework.mpi}. */
export interface MpiFrameworkOptions {
  /**
   * Port of the SSH daemon in the worker image (non-root sshd cannot bind 22).
   * @default 2222
   */
  readonly sshPort?: number;
  /**
   * Directory the hostfile ConfigMap is mounted at; the file is `<dir>/hostfile`.
   * @default '/etc/mpi'
   */
  readonly hostfileDir?: string;
}

/** A named port used by a custom framework. */
export interface FrameworkPort {
  /** Port name (IANA service name: ≤ 15 characters, lowercase, digits and "-"). */
  readonly name: string;
  /** Port number. */
  readonly port: number;
}

/** What a custom framework's env function receives. */
export interface RendezvousInfo {
  /** Number of nodes (pods). */
  readonly nodes: number;
  /** Processes per node. */
  readonly procsPerNode: number;
  /** DNS name of node `i` under the headless Service (may contain `$(JOB_NAME)`). */
  readonly hosts: string[];
  /** Name of an env var defined before yours holding this pod's node rank: use `$(NODE_RANK)`. */
  readonly rankVariable: string;
}

/** Options of {@link Framework.custom}. */
export interface CustomFrameworkOptions {
  /** Ports the nodes talk to each other on; the first is the coordinator port. */
  readonly ports: FrameworkPort[];
  /**
   * Extra env from the rendezvous facts (values may use `$(NODE_RANK)`).
   * @default - only the generic `NODE_RANK`, `NUM_NODES`, `COORDINATOR_ADDRESS`, `COORDINATOR_PORT`
   */
  readonly env?: (info: RendezvousInfo) => Record<string, string>;
}

/** Where the rendezvous peers are and how a pod learns its rank; see {@link RendezvousAddressing}. */
export interface PeerAddresses {
  /** Node count. */
  readonly nodes: number;
  /** Processes per node. */
  readonly procsPerNode: number;
  /** DNS name of node `i`. */
  host(index: number): string;
  /** Env vars that must precede the framework env (`JOB_NAME` when derived, then `NODE_RANK`). */
  readonly baseEnv: k8s.EnvVar[];
  /** Where a pod reads its node rank (the completion-index annotation through the downward API). */
  readonly rankSource: k8s.EnvVarSource;
  /** Rendezvous id (a stable string, e.g. the job name). */
  readonly rendezvousId: string;
}

/** The distributed-training framework: its env contract, ports and launcher. */
export class Framework {
  /** PyTorch with torchrun (`PET_*` env, `MASTER_ADDR`, `WORLD_SIZE`...). */
  public static pytorch(options: PyTorchFrameworkOptions = {}): Framework {
    return new Framework(FrameworkKind.PYTORCH, [{ name: 'rdzv', port: options.port ?? 29500 }], options);
  }

  /** JAX multi-process (`JAX_COORDINATOR_ADDRESS`, `JAX_NUM_PROCESSES`, `JAX_PROCESS_ID`); one process per node. */
  public static jax(options: JaxFrameworkOptions = {}): Framework {
    return new Framework(FrameworkKind.JAX, [{ name: 'coordinator', port: options.port ?? 1234 }], options);
  }

  /** TensorFlow MultiWorkerMirroredStrategy (`TF_CONFIG`); one task per node. */
  public static tensorflow(options: TensorFlowFrameworkOptions = {}): Framework {
    return new Framework(FrameworkKind.TENSORFLOW, [{ name: 'grpc', port: options.port ?? 2222 }], options);
  }

  /** MPI (OpenMPI hostfile in a ConfigMap, SSH between nodes). */
  public static mpi(options: MpiFrameworkOptions = {}): Framework {
    return new Framework(FrameworkKind.MPI, [{ name: 'ssh', port: options.sshPort ?? 2222 }], options);
  }

  /** Any other launcher: generic rendezvous env plus your own. */
  public static custom(options: CustomFrameworkOptions): Framework {
    return new Framework(FrameworkKind.CUSTOM, options.ports ?? [], options);
  }

  private constructor(
    /** Which framework. */
    public readonly kind: FrameworkKind,
    /** Ports the nodes talk to each other on; the first is the coordinator/rendezvous port. */
    public readonly ports: FrameworkPort[],
    private readonly options: PyTorchFrameworkOptions & JaxFrameworkOptions & TensorFlowFrameworkOptions & MpiFrameworkOptions & Partial<CustomFrameworkOptions>,
  ) {}

  /** A copy whose first port is named `name` (operators that find the port by name). @internal */
  public withPrimaryPortName(name: string): Framework {
    return new Framework(this.kind, [{ name, port: this.port }, ...this.ports.slice(1)], this.options);
  }

  /** The coordinator/rendezvous port. */
  public get port(): number {
    return this.ports[0].port;
  }

  /** True for elastic PyTorch (c10d rendezvous). */
  public get elastic(): boolean {
    return this.kind === FrameworkKind.PYTORCH && (this.options.minNodes !== undefined || this.options.maxNodes !== undefined);
  }

  /** Path of the MPI hostfile (MPI only). */
  public get hostfilePath(): string {
    return `${this.options.hostfileDir ?? '/etc/mpi'}/hostfile`;
  }

  /** Directory of the MPI hostfile (MPI only). */
  public get hostfileDir(): string {
    return this.options.hostfileDir ?? '/etc/mpi';
  }

  /** True when the container command is wrapped in torchrun. */
  public get wrapsTorchrun(): boolean {
    return this.kind === FrameworkKind.PYTORCH && this.options.torchrun !== false;
  }

  /** Elastic range `[min, max]` for `nodes` pods (validated). @internal */
  public elasticRange(scope: IConstruct, nodes: number): [number, number] {
    const min = this.options.minNodes ?? 1;
    const max = this.options.maxNodes ?? nodes;
    for (const [what, v] of [['minNodes', min], ['maxNodes', max]] as const) {
      if (!Number.isInteger(v) || v < 1) fail(scope, `framework ${what} must be a positive integer, got ${show(v)}`);
    }
    if (min > max) fail(scope, `framework minNodes (${min}) must not exceed maxNodes (${max})`);
    if (nodes < min || nodes > max) fail(scope, `nodes (${nodes}) must lie within the elastic range ${min}:${max}`);
    return [min, max];
  }

  /** Validates the framework against the job shape. @internal */
  public validate(scope: IConstruct, nodes: number, procsPerNode: number, procsExplicit: boolean): void {
    if (this.ports.length === 0) fail(scope, 'framework needs at least one port');
    const names = new Set<string>();
    for (const p of this.ports) {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) fail(scope, `framework port ${show(p.name)} must be an integer 1..65535, got ${show(p.port)}`);
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(p.name) || p.name.length > 15 || !/[a-z]/.test(p.name)) {
        fail(scope, `framework port name must be an IANA service name (≤ 15 lowercase letters, digits, "-"), got ${show(p.name)}`);
      }
      if (names.has(p.name)) fail(scope, `duplicate framework port name ${show(p.name)}`);
      names.add(p.name);
    }
    if ((this.kind === FrameworkKind.JAX || this.kind === FrameworkKind.TENSORFLOW) && procsExplicit && procsPerNode !== 1) {
      fail(scope, `${this.kind} runs one process per node; procsPerNode must be 1, got ${show(procsPerNode)}`);
    }
    // Stryker disable next-line ConditionalExpression: a static framework has no minNodes/maxNodes, so elasticRange's defaults (1..nodes) always hold
    if (this.elastic) this.elasticRange(scope, nodes);
    if (!/^\/[^\0]*[^/]$/.test(this.hostfileDir) &&
      // Stryker disable next-line ConditionalExpression: only Framework.mpi takes a hostfileDir; the others read the valid default
      this.kind === FrameworkKind.MPI) fail(scope, `mpi hostfileDir must be an absolute path, got ${show(this.hostfileDir)}`);
  }

  /** Processes per node the framework launches for `procsPerNode` requested. @internal */
  public processesPerNode(procsPerNode: number): number {
    return this.kind === FrameworkKind.JAX || this.kind === FrameworkKind.TENSORFLOW ? 1 : procsPerNode;
  }

  /** The rendezvous env, in dependency order (after `peers.baseEnv`). @internal */
  public env(scope: IConstruct, peers: PeerAddresses): k8s.EnvVar[] {
    const nodes = peers.nodes;
    const procs = this.processesPerNode(peers.procsPerNode);
    const port = String(this.port);
    const master = peers.host(0);
    const v = (name: string, value: string): k8s.EnvVar => ({ name, value });
    switch (this.kind) {
      case FrameworkKind.PYTORCH: {
        if (this.elastic) {
          const [min, max] = this.elasticRange(scope, nodes);
          return [
            v('PET_NNODES', `${min}:${max}`),
            v('PET_NPROC_PER_NODE', String(procs)),
            v('PET_RDZV_BACKEND', 'c10d'),
            v('PET_RDZV_ENDPOINT', `${master}:${port}`),
            v('PET_RDZV_ID', peers.rendezvousId),
            v('MASTER_ADDR', master),
            v('MASTER_PORT', port),
          ];
        }
        return [
          v('PET_NNODES', String(nodes)),
          v('PET_NPROC_PER_NODE', String(procs)),
          { name: 'PET_NODE_RANK', valueFrom: peers.rankSource },
          v('PET_MASTER_ADDR', master),
          v('PET_MASTER_PORT', port),
          v('MASTER_ADDR', master),
          v('MASTER_PORT', port),
          v('WORLD_SIZE', String(nodes * procs)),
        ];
      }
      case FrameworkKind.JAX:
        return [
          v('JAX_COORDINATOR_ADDRESS', `${master}:${port}`),
          v('JAX_NUM_PROCESSES', String(nodes)),
          { name: 'JAX_PROCESS_ID', valueFrom: peers.rankSource },
        ];
      case FrameworkKind.TENSORFLOW: {
        const workers = Array.from({ length: nodes }, (_, i) => `"${peers.host(i)}:${port}"`).join(',');
        return [v('TF_CONFIG', `{"cluster":{"worker":[${workers}]},"task":{"type":"worker","index":$(NODE_RANK)}}`)];
      }
      case FrameworkKind.MPI:
        return [
          v('OMPI_MCA_orte_default_hostfile', this.hostfilePath),
          v('OMPI_MCA_orte_keep_fqdn_hostnames', 'true'),
          v('OMPI_MCA_plm_rsh_args', `-p ${this.port} -o ConnectionAttempts=10`),
          v('MPI_HOSTFILE', this.hostfilePath),
          v('WORLD_SIZE', String(nodes * procs)),
        ];
      case FrameworkKind.CUSTOM: {
        const base = [v('NUM_NODES', String(nodes)), v('COORDINATOR_ADDRESS', master), v('COORDINATOR_PORT', port), v('WORLD_SIZE', String(nodes * procs))];
        const extra = this.options.env?.({
          nodes,
          procsPerNode: procs,
          hosts: Array.from({ length: nodes }, (_, i) => peers.host(i)),
          rankVariable: 'NODE_RANK',
        }) ?? {};
        for (const name of Object.keys(extra)) {
          if (typeof extra[name] !== 'string') fail(scope, `custom framework env ${name} must be a string, got ${show(extra[name])}`);
        }
        return [...base, ...Object.keys(extra).sort().map((name) => v(name, extra[name]))];
      }
    }
  }

  /** The MPI hostfile text: one `<host> slots=<procs>` line per node. @internal */
  public hostfile(peers: PeerAddresses): string {
    return Array.from({ length: peers.nodes }, (_, i) => `${peers.host(i)} slots=${peers.procsPerNode}\n`).join('');
  }

  /** The container command, wrapped in torchrun when configured. @internal */
  public launchCommand(scope: IConstruct, command: string[] | undefined): string[] | undefined {
    if (!this.wrapsTorchrun) return command;
    if (!command || command.length === 0) fail(scope, 'Framework.pytorch wraps the command in torchrun, so command is required (or set torchrun: false)');
    const [exe, ...rest] = command;
    if (exe === 'torchrun' || exe.endsWith('/torchrun')) return command;
    if (/^(.*\/)?python(3(\.\d+)?)?$/.test(exe)) {
      if (rest.length === 0) fail(scope, `cannot wrap ${show(command)} in torchrun: give a script or -m module`);
      if (rest[0].startsWith('-') && rest[0] !== '-m') {
        fail(scope, `cannot wrap ${show(command)} in torchrun: python option ${show(rest[0])} has no torchrun equivalent (use -m module or a script, or torchrun: false)`);
      }
      return ['torchrun', ...rest];
    }
    return ['torchrun', '--no-python', ...command];
  }
}
