import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { fail, show } from './errors';
import { IConfigMapRef, ISecretRef, ResolvedReference, useReference } from './refs';

/** A reference to a key of a Secret or ConfigMap, or a pod field, used as an env value. */
export class EnvSource {
  /**
   * The value of `key` in a Secret (never copied into the manifest): the name of a Secret
   * the app renders, or `External.secret(name)` for one managed elsewhere (declared in the
   * workload's `ml.cdk8s.io/external` annotation; a plain name must resolve inside the app).
   */
  public static fromSecret(secret: string | ISecretRef, key: string): EnvSource {
    if (typeof secret === 'string') return new EnvSource({ secretKeyRef: { name: secret, key } }, `secret ${secret}/${key}`);
    return new EnvSource({ secretKeyRef: { key } }, `secret ${key}`, (scope) => secret.secretRef(scope));
  }

  /**
   * The value of `key` in a ConfigMap: the name of a ConfigMap the app renders, or
   * `External.configMap(name)` for one managed elsewhere.
   */
  public static fromConfigMap(configMap: string | IConfigMapRef, key: string): EnvSource {
    if (typeof configMap === 'string') return new EnvSource({ configMapKeyRef: { name: configMap, key } }, `configmap ${configMap}/${key}`);
    return new EnvSource({ configMapKeyRef: { key } }, `configmap ${key}`, (scope) => configMap.configMapRef(scope));
  }

  /** A pod field through the downward API, e.g. `metadata.name`. */
  public static fromField(fieldPath: string): EnvSource {
    return new EnvSource({ fieldRef: { apiVersion: 'v1', fieldPath } }, `field ${fieldPath}`);
  }

  private constructor(
    /** The rendered `valueFrom` (for an External object, the name is added when rendered for a workload). */
    public readonly valueFrom: k8s.EnvVarSource,
    /** Description for messages. */
    public readonly description: string,
    private readonly external?: (scope: IConstruct) => ResolvedReference,
  ) {}

  /** The `valueFrom` for the workload `scope`, recording an external reference on it (see `useReference`). @internal */
  public _render(scope: IConstruct, what: string): k8s.EnvVarSource {
    if (!this.external) return this.valueFrom;
    const ref = useReference(scope, what, this.external(scope));
    if (this.valueFrom.secretKeyRef) return { secretKeyRef: { ...this.valueFrom.secretKeyRef, name: ref.name } };
    return { configMapKeyRef: { ...this.valueFrom.configMapKeyRef!, name: ref.name } };
  }
}

/** Env of a container: literal strings or references. */
export type EnvMap = Record<string, string | EnvSource>;

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const SECRET_NAME = /(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)s?$/i;
const SECRET_VALUE = [
  /^hf_[A-Za-z0-9]{30,}$/, // Hugging Face token
  /^(AKIA|ASIA)[A-Z0-9]{16}$/, // AWS access key id
  /^gh[pousr]_[A-Za-z0-9]{36,}$/, // GitHub token
  /^sk-[A-Za-z0-9_-]{20,}$/, // OpenAI-style key
  /^xox[abpr]-[A-Za-z0-9-]{10,}$/, // Slack token
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** True when a literal looks like a credential (by its variable name or its shape). */
export function looksLikeSecret(name: string, value: string): boolean {
  if (SECRET_VALUE.some((re) => re.test(value))) return true;
  // By name: a non-empty literal for *_PASSWORD, *_TOKEN... unless it is a number or a
  // boolean (MAX_BATCH_PREFILL_TOKENS=4096 is a limit, not a credential) or a $(VAR) reference.
  if (!SECRET_NAME.test(name) || value.length === 0) return false;
  return !/^\$\(/.test(value) && !/^[0-9.]+$/.test(value) && !/^(true|false)$/i.test(value);
}

/**
 * Validates and renders env vars, sorted by name for stable output. A literal value that
 * looks like a credential is an error: pass it with `EnvSource.fromSecret`.
 */
export function renderEnv(scope: IConstruct, what: string, env: EnvMap | undefined): k8s.EnvVar[] {
  const out: k8s.EnvVar[] = [];
  for (const name of Object.keys(env ?? {}).sort()) {
    const value = env![name];
    if (!ENV_NAME.test(name)) fail(scope, `${what}: invalid environment variable name ${show(name)}`);
    if (value instanceof EnvSource) {
      out.push({ name, valueFrom: value._render(scope, `${what} ${name}`) });
    } else if (typeof value === 'string') {
      if (looksLikeSecret(name, value)) {
        fail(scope, `${what}: ${name} looks like a credential given as a literal; reference a Secret with EnvSource.fromSecret(name, key) instead`);
      }
      out.push({ name, value });
    } else {
      fail(scope, `${what}: ${name} must be a string or an EnvSource, got ${show(value)}`);
    }
  }
  return out;
}
