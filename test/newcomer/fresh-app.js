/**
 * A new cdk8s app the way `cdk8s init typescript-app` lays it out (its package.json scripts and
 * dependencies, cdk8s-plus-33, its tsconfig.json and cdk8s.yaml, taken from the installed
 * cdk8s-cli's template), with the packed cdk8s-ml tarball installed and the quick start as
 * main.ts. Used by test/newcomer (the fresh-app test) and bench/newcomer.bench.js.
 *
 * Differences from `cdk8s init`, both because this machine has no access to GitHub: no
 * `imports: [k8s]` (cdk8s import downloads the Kubernetes schema; the quick start needs no
 * generated k8s module), and dependency versions pinned to those of this repository's
 * lockfile so `npm install --prefer-offline` is served from the npm cache.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');
const TEMPLATE = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
const QUICK_START = path.join(__dirname, 'quick-start.ts');

function installedVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** `npm pack` of this repository (its prepack script builds lib/) into `dir`; returns the tarball path. */
function packLibrary(dir) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
  return path.join(dir, JSON.parse(out.slice(out.indexOf('[')))[0].filename);
}

/** The validation plugin entry of the app's cdk8s.yaml, loaded from the installed package. */
const PLUGIN = [
  'validations:',
  '  - package: ./node_modules/cdk8s-ml/lib/src/validation/plugin.js',
  '    version: 0.1.0',
  '    class: CdkMlValidation',
  '    properties:',
  "      kubernetesVersion: '1.28'",
  '      gitops: true',
].join('\n');

/**
 * Creates the app in `dir` (which must not exist) and installs its dependencies.
 * @param {{ dir: string, tarball: string, app?: string }} options `app`: the cdk8s.yaml `app:` line
 *   (default: the template's `npx ts-node main.ts`)
 */
function createFreshApp({ dir, tarball, app }) {
  fs.mkdirSync(dir, { recursive: true });
  const template = fs.readFileSync(path.join(TEMPLATE, 'package.json'), 'utf8')
    .replace('{{ $base }}', 'fresh-app')
    .replace('{{ cdk8s_core_version }}', installedVersion('cdk8s'))
    .replace('{{ cdk8s_plus_version }}', installedVersion('cdk8s-plus-33'))
    .replace('{{ constructs_version }}', installedVersion('constructs'))
    .replace('{{ cdk8s_cli_spec }}', installedVersion('cdk8s-cli'));
  const pkg = JSON.parse(template);
  pkg.dependencies['cdk8s-ml'] = `file:${tarball}`;
  // The template's test tooling is not needed to synth; the rest stays as `cdk8s init` writes it.
  for (const dev of ['jest', 'ts-jest', '@types/jest']) delete pkg.devDependencies[dev];
  pkg.devDependencies['@types/node'] = installedVersion('@types/node');
  pkg.devDependencies.typescript = installedVersion('typescript');
  pkg.devDependencies['ts-node'] = installedVersion('ts-node');
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  fs.copyFileSync(path.join(TEMPLATE, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  const cdk8sYaml = fs.readFileSync(path.join(TEMPLATE, 'cdk8s.yaml'), 'utf8').replace(/^imports:\n(  - .*\n?)+/m, '');
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), `${(app ? cdk8sYaml.replace(/^app: .*$/m, `app: ${app}`) : cdk8sYaml).trimEnd()}\n${PLUGIN}\n`);
  fs.copyFileSync(QUICK_START, path.join(dir, 'main.ts'));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  return dir;
}

module.exports = { ROOT, QUICK_START, createFreshApp, packLibrary };
