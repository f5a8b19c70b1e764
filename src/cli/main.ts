#!/usr/bin/env node
import * as fs from 'fs';
import { Command, Option } from 'commander';
import { CheckFinding, checkManifests, groupFindings } from '../validation/check';
import { manifestFiles, notManifestReason } from '../validation/files';
import { APP_RULES } from '../validation/app';
import { POLICY_RULES, PolicyRuleSetting } from '../validation/policies';
import { SUPPORTED_KUBERNETES_VERSIONS, SupportedKubernetesVersion } from '../validation/schemas';
import { describeObject, toManifests } from '../validation/validate';
import { CHANGE_KINDS, ChangeKind, diffApps, diffJson, diffMarkdown } from '../report/diff';
import { RenderedInputError, readRendered } from '../report/input';
import { reportMarkdown } from '../report/report';

/** Options of `cdk8s-ml validate`, as parsed by commander. */
interface ValidateCliOptions {
  readonly kubernetesVersion: SupportedKubernetesVersion;
  readonly json?: boolean;
  readonly policies: boolean;
  readonly app: boolean;
  readonly policiesOnly?: boolean;
  readonly strict?: boolean;
  readonly gitops?: boolean;
  readonly rule: string[];
  readonly allowUnknownKinds?: boolean;
}

/** A finding with the file its object came from. */
type FileFinding = CheckFinding & { readonly file: string };

const collect = (value: string, previous: string[]) => [...previous, value];

/** Parses `--rule id=off|warning|error` flags. */
function parseRuleSettings(flags: readonly string[]): Record<string, PolicyRuleSetting> {
  const out: Record<string, PolicyRuleSetting> = {};
  for (const flag of flags) {
    const m = /^([a-z0-9-]+)=(off|warning|error)$/.exec(flag);
    if (!m) throw new Error(`--rule must look like <rule-id>=off|warning|error, got ${JSON.stringify(flag)}`);
    out[m[1]] = m[2] as PolicyRuleSetting;
  }
  return out;
}

/** Runs `cdk8s-ml validate`; returns the exit code (0 ok, 1 findings that fail). */
function validateCommand(paths: string[], opts: ValidateCliOptions, out: (s: string) => void): number {
  if (opts.policiesOnly && !opts.policies) throw new Error('--policies-only and --no-policies exclude each other');
  const files = manifestFiles(paths);
  // Parse every file first: cross-object rules (PDBs, NetworkPolicies, Services) see the whole set.
  const fileOf = new Map<string, string>();
  const manifests: any[] = [];
  const findings: FileFinding[] = [];
  const skipped: Array<{ readonly file: string; readonly reason: string }> = [];
  for (const file of files) {
    try {
      const objects = toManifests(fs.readFileSync(file, 'utf8'));
      const reason = notManifestReason(objects);
      if (reason !== undefined) {
        skipped.push({ file, reason });
        continue;
      }
      for (const obj of objects) {
        manifests.push(obj);
        const label = describeObject(obj);
        if (!fileOf.has(label)) fileOf.set(label, file);
      }
    } catch (e: any) {
      findings.push({ file, object: file, path: '/', rule: 'yaml', severity: 'error', source: 'schema', message: String(e?.message ?? e) });
    }
  }
  const result = checkManifests(manifests, {
    kubernetesVersion: opts.kubernetesVersion,
    schema: !opts.policiesOnly,
    policies: opts.policies,
    app: opts.app,
    strict: opts.strict,
    gitops: opts.gitops,
    rules: parseRuleSettings(opts.rule),
    allowUnknownKinds: opts.allowUnknownKinds,
  });
  findings.push(...result.findings.map((f) => ({ ...f, file: fileOf.get(f.object) ?? '<input>' })));
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const failed = errors > 0 || (!!opts.strict && warnings > 0);
  if (opts.json) {
    out(`${JSON.stringify({ files: files.length - skipped.length, skipped, objects: result.objectCount, valid: !failed, errors, warnings, findings }, null, 2)}\n`);
  } else {
    for (const s of skipped) out(`skipped ${s.file}: ${s.reason}\n`);
    for (const [key, list] of groupFindings(findings, (f) => `${f.file}: ${f.object}`)) {
      out(`${key}\n`);
      for (const f of list) {
        out(`  ${f.severity.padEnd(7)} ${f.path} [${f.rule}] ${f.message}\n`);
        if (f.related && f.related.length > 0) out(`          involves: ${f.related.join(', ')}\n`);
      }
    }
    const fixes = new Map<string, string>();
    // App findings carry a fix per finding (the reference, the flow); rules carry one per rule.
    for (const f of findings) if (f.fix && f.source !== 'app' && !fixes.has(f.rule)) fixes.set(f.rule, f.fix);
    const appFixes = findings.filter((f) => f.source === 'app' && f.fix);
    if (fixes.size > 0 || appFixes.length > 0) {
      out('\nHow to fix:\n');
      for (const [rule, fix] of fixes) out(`  [${rule}] ${fix}\n`);
      for (const f of appFixes) out(`  [${f.rule}] ${f.object}: ${f.fix}\n`);
    }
    const checks = [opts.policiesOnly ? undefined : 'schema', opts.policies ? 'policies' : undefined, opts.app ? 'app' : undefined].filter(Boolean).join(' + ');
    const skips = skipped.length > 0 ? `, ${skipped.length} skipped` : '';
    out(`${failed ? 'FAILED' : 'OK'}: ${files.length - skipped.length} file(s)${skips}, ${result.objectCount} object(s), ${errors} error(s), ${warnings} warning(s) [${checks}, Kubernetes ${opts.kubernetesVersion}${opts.strict ? ', strict' : ''}]\n`);
  }
  return failed ? 1 : 0;
}

/** Parses `--fail-on a,b`: change kinds, or `any`. */
function parseFailOn(value: string, previous: ChangeKind[]): ChangeKind[] {
  const out = [...previous];
  for (const raw of value.split(',').map((v) => v.trim()).filter(Boolean)) {
    if (raw === 'any') out.push(...CHANGE_KINDS);
    else if ((CHANGE_KINDS as readonly string[]).includes(raw)) out.push(raw as ChangeKind);
    else throw new Error(`--fail-on takes change kinds (${CHANGE_KINDS.join(', ')}) or any, got ${JSON.stringify(raw)}`);
  }
  return [...new Set(out)];
}

/**
 * Runs the `cdk8s-ml` command line; returns the exit code: 0 ok; 1 `validate` found errors, or
 * `report`/`diff` cannot read a folder (missing, or a file that is not YAML/JSON); 2 a usage
 * error (unknown command or option, bad value), or `diff` found a change of a `--fail-on` kind.
 */
export function runCli(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): number {
  let code = 0;
  const program = new Command()
    .name('cdk8s-ml')
    .description('Checks rendered Kubernetes manifests the way cdk8s-ml checks its own.')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: out });
  program
    .command('validate')
    .description('check YAML/JSON manifests (files or folders): strict schema validation (Kubernetes + CRDs), policy rules, and the whole-app check across all given files')
    .argument('<paths...>', 'files or folders of manifests')
    .addOption(new Option('--kubernetes-version <version>', 'target Kubernetes version').choices([...SUPPORTED_KUBERNETES_VERSIONS]).default('1.28'))
    .option('--json', 'print the result as JSON')
    .option('--no-policies', 'skip the policy rules (schema validation only)')
    .option('--policies-only', 'skip the schema validation (policy rules only)')
    .option('--no-app', 'skip the whole-app check (references, network flows, capacity across objects)')
    .option('--strict', 'warnings fail too')
    .option('--gitops', 'treat every object as managed by Argo CD')
    .option('--rule <id=setting>', 'override a rule: <rule-id>=off|warning|error (repeatable)', collect, [])
    .option('--allow-unknown-kinds', 'accept kinds without a known schema')
    .action((paths: string[], opts: ValidateCliOptions) => {
      code = validateCommand(paths, opts, out);
    });
  program
    .command('rules')
    .description('list the policy rules')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const rules = [
        ...POLICY_RULES.map(({ id, severity, description, fix }) => ({ id, severity, description, fix })),
        ...APP_RULES.map(({ id, severity, description }) => ({ id, severity, description, fix: 'each finding names its own fix' })),
      ];
      if (opts.json) out(`${JSON.stringify(rules, null, 2)}\n`);
      else for (const r of rules) out(`${r.id.padEnd(32)} ${r.severity.padEnd(7)} ${r.description}\n`);
    });
  program
    .command('report')
    .description('describe a folder of rendered manifests as Markdown: queues and quotas, workloads at peak, datasets and models, schedules, network flows, external references, and a Mermaid diagram')
    .argument('<dir>', 'folder of rendered manifests (e.g. dist)')
    .allowExcessArguments(false)
    .action((dir: string) => {
      out(reportMarkdown(readRendered(dir)));
    });
  program
    .command('diff')
    .description('explain the change between two folders of rendered manifests in ML terms: new training runs, serving rollouts, quotas, datasets re-downloaded, flows, prunes, changes the cluster refuses')
    .argument('<old-dir>', 'folder rendered before the change')
    .argument('<new-dir>', 'folder rendered after the change')
    .allowExcessArguments(false)
    .addOption(new Option('--format <format>', 'output format').choices(['markdown', 'json']).default('markdown'))
    .option('--fail-on <kinds>', `exit 2 when a change of these kinds is present (comma-separated: ${CHANGE_KINDS.join(', ')}, or any)`, parseFailOn, [] as ChangeKind[])
    .action((oldDir: string, newDir: string, opts: { format: 'markdown' | 'json'; failOn: ChangeKind[] }) => {
      const cache = new Map<string, unknown>();
      const result = diffApps(readRendered(oldDir, cache), readRendered(newDir, cache));
      out(opts.format === 'json' ? diffJson(result) : diffMarkdown(result));
      const gate = result.changes.filter((c) => opts.failOn.includes(c.kind));
      if (gate.length > 0) {
        if (opts.format !== 'json') out(`FAILED: ${gate.length} change(s) of --fail-on kinds ${[...new Set(gate.map((c) => c.kind))].join(', ')}\n`);
        code = 2;
      }
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e: any) {
    if (e instanceof RenderedInputError) {
      out(`cdk8s-ml: ${e.message}\n`);
      return 1;
    }
    if (e?.code === 'commander.helpDisplayed' || e?.code === 'commander.version' || e?.code === 'commander.help') return 0;
    if (typeof e?.exitCode === 'number') return e.exitCode === 0 ? 0 : 2;
    out(`cdk8s-ml: ${e?.message ?? e}\n`);
    return 2;
  }
  return code;
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2));
}
