#!/usr/bin/env node
/**
 * Turns a controller's own install manifests (the output of `kubectl kustomize` on its
 * config/components/{crd,webhook} folder in the Go module cache) into what a loopback
 * control plane can use: every `clientConfig.service` (admission webhooks and CRD conversion
 * webhooks) becomes `clientConfig.url: https://127.0.0.1:<port><path>` with the CA bundle
 * of the certificate the controller serves; webhook configurations get the name prefix a
 * real install gives them (`kueue-`, `jobset-`: both projects name theirs
 * `mutating-webhook-configuration`); the webhook Service is dropped (nothing to route to).
 *
 * Usage: webhook-config.js --url https://127.0.0.1:PORT --ca CA_FILE --prefix NAME- < in.yaml > out.yaml
 * Used by test/cluster/provision.sh (start --e2e); not part of the library.
 */
'use strict';
const fs = require('fs');
const { parseAllDocuments, stringify } = require('yaml');

function args(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (argv[i + 1] === undefined) throw new Error(`missing value for ${argv[i]}`);
    out[key] = argv[i + 1];
  }
  for (const k of ['url', 'ca', 'prefix']) if (!out[k]) throw new Error(`--${k} is required`);
  return out;
}

function rewriteClientConfig(cc, base, caBundle, where) {
  if (!cc) return cc;
  if (cc.service) {
    const path = cc.service.path ?? '/';
    return { url: `${base}${path}`, caBundle };
  }
  if (cc.url) return { ...cc, caBundle };
  throw new Error(`${where}: clientConfig has neither service nor url`);
}

function main() {
  const opts = args(process.argv);
  const caBundle = fs.readFileSync(opts.ca).toString('base64');
  const input = fs.readFileSync(0, 'utf8');
  const out = [];
  for (const doc of parseAllDocuments(input)) {
    if (doc.errors.length) throw new Error(doc.errors.map((e) => e.message).join('; '));
    const obj = doc.toJS();
    if (!obj) continue;
    const where = `${obj.kind} ${obj.metadata?.name}`;
    if (obj.kind === 'Service') continue;
    if (obj.kind === 'MutatingWebhookConfiguration' || obj.kind === 'ValidatingWebhookConfiguration') {
      obj.metadata.name = `${opts.prefix}${obj.metadata.name}`;
      for (const w of obj.webhooks ?? []) w.clientConfig = rewriteClientConfig(w.clientConfig, opts.url, caBundle, `${where} ${w.name}`);
    } else if (obj.kind === 'CustomResourceDefinition') {
      const conv = obj.spec?.conversion;
      if (conv?.strategy === 'Webhook') conv.webhook.clientConfig = rewriteClientConfig(conv.webhook.clientConfig, opts.url, caBundle, where);
      // cert-manager's CA injection does not run here; the bundle is set above.
      if (obj.metadata.annotations) delete obj.metadata.annotations['cert-manager.io/inject-ca-from'];
    } else {
      throw new Error(`${where}: unexpected kind in a controller's crd/webhook manifests`);
    }
    out.push(stringify(obj));
  }
  process.stdout.write(out.join('---\n'));
}

try {
  main();
} catch (e) {
  process.stderr.write(`webhook-config.js: ${e.message}\n`);
  process.exit(1);
}
