/**
 * The rendezvous contract of each Framework (src/training/framework.ts), called directly with
 * fixed peers: the exact env of PyTorch (static and elastic), JAX, TensorFlow, MPI and custom
 * frameworks, the MPI hostfile, the torchrun wrapping and every validation bound. Expected
 * values are spelled out (3 nodes × 4 processes, so nodes × procs = 12 differs from every
 * other arithmetic of the two).
 */
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { COMPLETION_INDEX_FIELD_PATH, Framework, FrameworkKind, JOB_COMPLETION_INDEX_ANNOTATION, JOB_NAME_LABEL, PeerAddresses } from '../../src/training/framework';

const scope = () => new Chart(new App(), 'ml');
const RANK: k8s.EnvVarSource = { fieldRef: { fieldPath: 'metadata.annotations[\'rank\']' } };

function peers(nodes = 3, procsPerNode = 4): PeerAddresses {
  return { nodes, procsPerNode, host: (i) => `job-${i}.svc`, baseEnv: [], rankSource: RANK, rendezvousId: 'job-x' };
}

const env = (f: Framework, p = peers()) => f.env(scope(), p);

describe('constants', () => {
  test('the Job controller\'s names', () => {
    expect(JOB_COMPLETION_INDEX_ANNOTATION).toBe('batch.kubernetes.io/job-completion-index');
    expect(COMPLETION_INDEX_FIELD_PATH).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    expect(JOB_NAME_LABEL).toBe('batch.kubernetes.io/job-name');
  });
});

describe('factories', () => {
  test('kinds and default ports', () => {
    expect([Framework.pytorch(), Framework.jax(), Framework.tensorflow(), Framework.mpi()].map((f) => [f.kind, f.ports])).toEqual([
      ['pytorch', [{ name: 'rdzv', port: 29500 }]],
      ['jax', [{ name: 'coordinator', port: 1234 }]],
      ['tensorflow', [{ name: 'grpc', port: 2222 }]],
      ['mpi', [{ name: 'ssh', port: 2222 }]],
    ]);
    expect(Framework.custom({ ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }] })).toMatchObject({ kind: FrameworkKind.CUSTOM, port: 1 });
  });

  test('ports given to the factories', () => {
    expect(Framework.pytorch({ port: 29400 }).port).toBe(29400);
    expect(Framework.jax({ port: 4321 }).port).toBe(4321);
    expect(Framework.tensorflow({ port: 2223 }).port).toBe(2223);
    expect(Framework.mpi({ sshPort: 2022 }).port).toBe(2022);
  });

  test('withPrimaryPortName renames the first port only', () => {
    const f = Framework.custom({ ports: [{ name: 'coord', port: 7000 }, { name: 'data', port: 7001 }] }).withPrimaryPortName('master');
    expect(f.ports).toEqual([{ name: 'master', port: 7000 }, { name: 'data', port: 7001 }]);
    expect(f.kind).toBe('custom');
  });

  test('elastic, torchrun and hostfile properties', () => {
    expect(Framework.pytorch().elastic).toBe(false);
    expect(Framework.pytorch({ minNodes: 1 }).elastic).toBe(true);
    expect(Framework.pytorch({ maxNodes: 4 }).elastic).toBe(true);
    expect(Framework.mpi().elastic).toBe(false);
    // only PyTorch is elastic, even when a JavaScript caller passes the bounds to another framework
    expect(Framework.jax({ minNodes: 2, maxNodes: 4 } as never).elastic).toBe(false);
    expect(Framework.pytorch().wrapsTorchrun).toBe(true);
    expect(Framework.pytorch({ torchrun: false }).wrapsTorchrun).toBe(false);
    expect(Framework.jax().wrapsTorchrun).toBe(false);
    expect(Framework.mpi().hostfileDir).toBe('/etc/mpi');
    expect(Framework.mpi().hostfilePath).toBe('/etc/mpi/hostfile');
    expect(Framework.mpi({ hostfileDir: '/opt/mpi' }).hostfilePath).toBe('/opt/mpi/hostfile');
    expect(Framework.mpi({ hostfileDir: '/opt/mpi' }).hostfileDir).toBe('/opt/mpi');
  });

  test('processes per node: one for JAX and TensorFlow, as asked otherwise', () => {
    expect([Framework.jax(), Framework.tensorflow(), Framework.pytorch(), Framework.mpi(), Framework.custom({ ports: [{ name: 'c', port: 1 }] })]
      .map((f) => f.processesPerNode(8))).toEqual([1, 1, 8, 8, 8]);
  });
});

describe('env', () => {
  test('PyTorch: PET_* from the node count and the index, MASTER_*, WORLD_SIZE = nodes × procs', () => {
    expect(env(Framework.pytorch())).toEqual([
      { name: 'PET_NNODES', value: '3' },
      { name: 'PET_NPROC_PER_NODE', value: '4' },
      { name: 'PET_NODE_RANK', valueFrom: RANK },
      { name: 'PET_MASTER_ADDR', value: 'job-0.svc' },
      { name: 'PET_MASTER_PORT', value: '29500' },
      { name: 'MASTER_ADDR', value: 'job-0.svc' },
      { name: 'MASTER_PORT', value: '29500' },
      { name: 'WORLD_SIZE', value: '12' },
    ]);
  });

  test('elastic PyTorch: c10d rendezvous at node 0, the range as PET_NNODES, no fixed rank', () => {
    expect(env(Framework.pytorch({ minNodes: 2, maxNodes: 5, port: 29400 }))).toEqual([
      { name: 'PET_NNODES', value: '2:5' },
      { name: 'PET_NPROC_PER_NODE', value: '4' },
      { name: 'PET_RDZV_BACKEND', value: 'c10d' },
      { name: 'PET_RDZV_ENDPOINT', value: 'job-0.svc:29400' },
      { name: 'PET_RDZV_ID', value: 'job-x' },
      { name: 'MASTER_ADDR', value: 'job-0.svc' },
      { name: 'MASTER_PORT', value: '29400' },
    ]);
    expect(env(Framework.pytorch({ minNodes: 2 }))[0]).toEqual({ name: 'PET_NNODES', value: '2:3' });
    expect(env(Framework.pytorch({ maxNodes: 6 }))[0]).toEqual({ name: 'PET_NNODES', value: '1:6' });
  });

  test('JAX: coordinator at node 0, one process per node', () => {
    expect(env(Framework.jax())).toEqual([
      { name: 'JAX_COORDINATOR_ADDRESS', value: 'job-0.svc:1234' },
      { name: 'JAX_NUM_PROCESSES', value: '3' },
      { name: 'JAX_PROCESS_ID', valueFrom: RANK },
    ]);
  });

  test('TensorFlow: TF_CONFIG lists every worker and reads the rank', () => {
    expect(env(Framework.tensorflow())).toEqual([{
      name: 'TF_CONFIG',
      value: '{"cluster":{"worker":["job-0.svc:2222","job-1.svc:2222","job-2.svc:2222"]},"task":{"type":"worker","index":$(NODE_RANK)}}',
    }]);
  });

  test('MPI: OpenMPI hostfile variables, ssh on the declared port, WORLD_SIZE = nodes × slots', () => {
    expect(env(Framework.mpi({ sshPort: 2022 }))).toEqual([
      { name: 'OMPI_MCA_orte_default_hostfile', value: '/etc/mpi/hostfile' },
      { name: 'OMPI_MCA_orte_keep_fqdn_hostnames', value: 'true' },
      { name: 'OMPI_MCA_plm_rsh_args', value: '-p 2022 -o ConnectionAttempts=10' },
      { name: 'MPI_HOSTFILE', value: '/etc/mpi/hostfile' },
      { name: 'WORLD_SIZE', value: '12' },
    ]);
  });

  test('custom without env: only the generic variables', () => {
    expect(env(Framework.custom({ ports: [{ name: 'coord', port: 7000 }] }))).toEqual([
      { name: 'NUM_NODES', value: '3' },
      { name: 'COORDINATOR_ADDRESS', value: 'job-0.svc' },
      { name: 'COORDINATOR_PORT', value: '7000' },
      { name: 'WORLD_SIZE', value: '12' },
    ]);
  });

  test('custom env: gets the rendezvous facts, its variables follow sorted by name', () => {
    const seen: unknown[] = [];
    const f = Framework.custom({
      ports: [{ name: 'coord', port: 7000 }],
      env: (info) => {
        seen.push(info);
        return { ZETA: `${info.hosts.length}`, ALPHA: `$(${info.rankVariable})` };
      },
    });
    expect(env(f).slice(4)).toEqual([{ name: 'ALPHA', value: '$(NODE_RANK)' }, { name: 'ZETA', value: '3' }]);
    expect(seen).toEqual([{ nodes: 3, procsPerNode: 4, hosts: ['job-0.svc', 'job-1.svc', 'job-2.svc'], rankVariable: 'NODE_RANK' }]);
  });

  test('fails on a custom env value that is not a string', () => {
    const f = Framework.custom({ ports: [{ name: 'coord', port: 7000 }], env: () => ({ N: 3 as unknown as string }) });
    expect(() => env(f)).toThrow('ml: custom framework env N must be a string, got 3');
  });

  test('the MPI hostfile: one line per node with its slots', () => {
    expect(Framework.mpi().hostfile(peers())).toBe('job-0.svc slots=4\njob-1.svc slots=4\njob-2.svc slots=4\n');
    expect(Framework.mpi().hostfile(peers(1, 2))).toBe('job-0.svc slots=2\n');
  });
});

describe('elastic range', () => {
  const range = (min: number | undefined, max: number | undefined, nodes: number) =>
    Framework.pytorch({ minNodes: min, maxNodes: max }).elasticRange(scope(), nodes);

  test('defaults to 1 and the node count; the node count may sit on either bound', () => {
    expect(range(2, undefined, 4)).toEqual([2, 4]);
    expect(range(undefined, 8, 4)).toEqual([1, 8]);
    expect(range(2, 4, 2)).toEqual([2, 4]);
    expect(range(2, 4, 4)).toEqual([2, 4]);
    expect(range(3, 3, 3)).toEqual([3, 3]);
  });

  test('fails on bounds that are not positive integers', () => {
    expect(() => range(0, 4, 2)).toThrow('ml: framework minNodes must be a positive integer, got 0');
    expect(() => range(1, 2.5, 2)).toThrow('ml: framework maxNodes must be a positive integer, got 2.5');
  });

  test('fails when minNodes exceeds maxNodes', () => {
    expect(() => range(5, 3, 4)).toThrow('ml: framework minNodes (5) must not exceed maxNodes (3)');
  });

  test('fails on a node count outside the range, below and above', () => {
    expect(() => range(2, 4, 1)).toThrow('ml: nodes (1) must lie within the elastic range 2:4');
    expect(() => range(1, 4, 5)).toThrow('ml: nodes (5) must lie within the elastic range 1:4');
  });
});

describe('validate', () => {
  const check = (f: Framework, nodes = 2, procs = 1, explicit = false) => () => f.validate(scope(), nodes, procs, explicit);
  const custom = (...ports: { name: string; port: number }[]) => Framework.custom({ ports });

  test('accepts ports 1 and 65535 and names of 15 characters', () => {
    expect(check(custom({ name: 'a', port: 1 }, { name: 'p'.repeat(15), port: 65535 }, { name: 'a-1', port: 80 }))).not.toThrow();
  });

  test('fails without ports', () => {
    expect(check(custom())).toThrow('ml: framework needs at least one port');
    expect(check(Framework.custom({} as { ports: [] }))).toThrow('ml: framework needs at least one port');
  });

  test('fails on ports outside 1..65535 or not integers', () => {
    expect(check(custom({ name: 'a', port: 0 }))).toThrow('ml: framework port "a" must be an integer 1..65535, got 0');
    expect(check(custom({ name: 'a', port: 65536 }))).toThrow('ml: framework port "a" must be an integer 1..65535, got 65536');
    expect(check(custom({ name: 'a', port: 80.5 }))).toThrow('ml: framework port "a" must be an integer 1..65535, got 80.5');
  });

  test('fails on port names that are not IANA service names', () => {
    for (const name of ['Rdzv', 'p'.repeat(16), '123', '-a', 'a-', 'a_b', '']) {
      expect(check(custom({ name, port: 80 }))).toThrow(
        `ml: framework port name must be an IANA service name (≤ 15 lowercase letters, digits, "-"), got ${JSON.stringify(name)}`,
      );
    }
  });

  test('fails on a duplicate port name', () => {
    expect(check(custom({ name: 'a', port: 80 }, { name: 'a', port: 81 }))).toThrow('ml: duplicate framework port name "a"');
  });

  test('fails on JAX or TensorFlow with more than one explicit process per node', () => {
    expect(check(Framework.jax(), 2, 2, true)).toThrow('ml: jax runs one process per node; procsPerNode must be 1, got 2');
    expect(check(Framework.tensorflow(), 2, 8, true)).toThrow('ml: tensorflow runs one process per node; procsPerNode must be 1, got 8');
    expect(check(Framework.jax(), 2, 8, false)).not.toThrow();
    expect(check(Framework.jax(), 2, 1, true)).not.toThrow();
    expect(check(Framework.pytorch(), 2, 8, true)).not.toThrow();
  });

  test('fails on an elastic range that excludes the node count', () => {
    expect(check(Framework.pytorch({ minNodes: 3 }), 2)).toThrow('ml: framework minNodes (3) must not exceed maxNodes (2)');
    expect(check(Framework.pytorch({ maxNodes: 3 }), 4)).toThrow('ml: nodes (4) must lie within the elastic range 1:3');
  });

  test('fails on an MPI hostfile directory that is not an absolute path without a trailing slash', () => {
    for (const dir of ['etc/mpi', '/etc/mpi/', '/', '']) {
      expect(check(Framework.mpi({ hostfileDir: dir }))).toThrow(`ml: mpi hostfileDir must be an absolute path, got ${JSON.stringify(dir)}`);
    }
    expect(check(Framework.mpi({ hostfileDir: '/e' }))).not.toThrow();
  });
});

describe('launch command', () => {
  const wrap = (command: string[] | undefined, f = Framework.pytorch()) => f.launchCommand(scope(), command);

  test('left alone without torchrun', () => {
    expect(wrap(['python', 'x.py'], Framework.jax())).toEqual(['python', 'x.py']);
    expect(wrap(['python', 'x.py'], Framework.pytorch({ torchrun: false }))).toEqual(['python', 'x.py']);
    expect(wrap(undefined, Framework.jax())).toBeUndefined();
  });

  test('a torchrun command passes through', () => {
    expect(wrap(['torchrun', '--nnodes=2', 'x.py'])).toEqual(['torchrun', '--nnodes=2', 'x.py']);
    expect(wrap(['/opt/conda/bin/torchrun', 'x.py'])).toEqual(['/opt/conda/bin/torchrun', 'x.py']);
  });

  test('python, python3, python3.11 and their paths become torchrun', () => {
    for (const exe of ['python', 'python3', 'python3.11', '/usr/bin/python3', '/opt/conda/bin/python']) {
      expect(wrap([exe, 'train.py', '--lr', '1'])).toEqual(['torchrun', 'train.py', '--lr', '1']);
    }
    expect(wrap(['python3', '-m', 'trainer'])).toEqual(['torchrun', '-m', 'trainer']);
  });

  test('any other executable runs with --no-python', () => {
    for (const exe of ['bash', 'python2', 'python3.', 'ipython', 'python3.11x', 'mytorchrun']) {
      expect(wrap([exe, 'a'])).toEqual(['torchrun', '--no-python', exe, 'a']);
    }
  });

  test('fails without a command', () => {
    const msg = 'ml: Framework.pytorch wraps the command in torchrun, so command is required (or set torchrun: false)';
    expect(() => wrap(undefined)).toThrow(msg);
    expect(() => wrap([])).toThrow(msg);
  });

  test('fails on python without a script or module', () => {
    expect(() => wrap(['python3'])).toThrow('ml: cannot wrap ["python3"] in torchrun: give a script or -m module');
  });

  test('fails on a python option torchrun has no equivalent for', () => {
    expect(() => wrap(['python', '-u', 'x.py'])).toThrow(
      'ml: cannot wrap ["python","-u","x.py"] in torchrun: python option "-u" has no torchrun equivalent (use -m module or a script, or torchrun: false)',
    );
  });
});
