#!/usr/bin/env node
import * as fs from 'fs';
import { Command, Option } from 'commander';
import { manifestFiles } from '../validation/files';
import { SUPPORTED_KUBERNETES_VERSIONS, SupportedKubernetesVersion } from '../validation/schemas';
import { ValidationFinding, validateManifests } from '../validation/validate';

/** Runs the `cdk8s-ml` command line; returns the exit code. */
export function runCli(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): number {
  let code = 0;
  const program = new Command()
    .name('cdk8s-ml')
    .description('Checks rendered Kubernetes manifests the way cdk8s-ml checks its own.')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: out });
  program
    .command('validate')
    .description('strictly validate YAML/JSON manifests (files or folders) against Kubernetes and CRD schemas')
    .argument('<paths...>', 'files or folders of manifests')
    .addOption(new Option('--kubernetes-version <version>', 'target Kubernetes version').choices([...SUPPORTED_KUBERNETES_VERSIONS]).default('1.28'))
    .option('--json', 'print findings as JSON')
    .action((paths: string[], opts: { kubernetesVersion: SupportedKubernetesVersion; json?: boolean }) => {
      const files = manifestFiles(paths);
      const findings: Array<ValidationFinding & { file: string }> = [];
      let objects = 0;
      for (const file of files) {
        const result = validateManifests(fs.readFileSync(file, 'utf8'), { kubernetesVersion: opts.kubernetesVersion });
        objects += result.objectCount;
        findings.push(...result.findings.map((f) => ({ ...f, file })));
      }
      if (opts.json) {
        out(`${JSON.stringify({ files: files.length, objects, findings }, null, 2)}\n`);
      } else {
        const byObject = new Map<string, typeof findings>();
        for (const f of findings) {
          const key = `${f.file}: ${f.object}`;
          byObject.set(key, [...(byObject.get(key) ?? []), f]);
        }
        for (const [key, list] of byObject) {
          out(`${key}\n`);
          for (const f of list) out(`  ${f.path} [${f.rule}] ${f.message}\n`);
        }
        out(`${files.length} file(s), ${objects} object(s), ${findings.length} finding(s)\n`);
      }
      code = findings.length > 0 ? 1 : 0;
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e: any) {
    if (e?.code === 'commander.helpDisplayed' || e?.code === 'commander.version') return 0;
    if (typeof e?.exitCode === 'number') return e.exitCode === 0 ? 0 : 2;
    out(`cdk8s-ml: ${e?.message ?? e}\n`);
    return 2;
  }
  return code;
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2));
}
