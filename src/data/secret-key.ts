import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail, show } from '../core/errors';
import { isDnsSubdomain } from '../core/names';
import { IPlusNamedResource } from '../core/plus-workload';
import { ISecretRef, ResolvedReference } from '../core/refs';

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * A key of a Kubernetes Secret, used by reference only: the value never appears in the
 * rendered manifests. Either a Secret name or a cdk8s-plus `Secret` (whose keys are then
 * checked at synth time).
 */
export class SecretKey {
  /**
   * Key `key` of a Secret: `External.secret(name)` for one managed outside the app (declared
   * in the consuming workload's `ml.cdk8s.io/external` annotation), or the name of a Secret
   * the app renders (it must resolve inside the app).
   */
  public static of(secret: string | ISecretRef, key: string): SecretKey {
    if (typeof secret === 'string') return new SecretKey(secret, key, undefined);
    return new SecretKey('', key, undefined, secret);
  }

  /**
   * Key `key` of a cdk8s-plus Secret (any cdk8s-plus version 28–33). When the Secret is
   * defined in this app with `stringData` or `data`, a missing key is a synth-time error.
   */
  public static fromSecret(secret: IPlusNamedResource, key: string): SecretKey {
    return new SecretKey(secret.name, key, secret);
  }

  private resolved?: ResolvedReference;

  private constructor(
    private readonly name: string,
    /** Key inside the Secret. */
    public readonly key: string,
    private readonly secret: IPlusNamedResource | undefined,
    private readonly external?: ISecretRef,
  ) {}

  /** Name of the Secret (of an External one: after {@link validate}). */
  public get secretName(): string {
    return this.resolved?.name ?? this.name;
  }

  /** The Secret as an External reference, when declared with `External.secret` (after {@link validate}). */
  public get externalRef(): ResolvedReference | undefined {
    return this.resolved;
  }

  /** Throws unless the Secret name and key are valid and, when known, the key exists. */
  public validate(scope: IConstruct, what: string): void {
    if (this.external !== undefined) {
      if (typeof this.external?.secretRef !== 'function') fail(scope, `${what}: secret must be a name or External.secret(name), got ${show(this.external)}`);
      this.resolved = this.external.secretRef(scope);
    }
    if (!isDnsSubdomain(this.secretName)) fail(scope, `${what}: secret name must be a DNS-1123 subdomain, got ${show(this.secretName)}`);
    if (typeof this.key !== 'string' || !SECRET_KEY.test(this.key) || this.key.length > 253) {
      fail(scope, `${what}: secret key must be non-empty and use only letters, digits, "-", "_" and ".", got ${show(this.key)}`);
    }
    const obj = secretApiObject(this.secret);
    if (obj) {
      // A Secret defined in this app without data is filled elsewhere (e.g. by an
      // operator); keys are only checked when it carries some.
      const json = obj.toJson() as { stringData?: object; data?: object };
      const keys = [...Object.keys(json.stringData ?? {}), ...Object.keys(json.data ?? {})];
      if (keys.length > 0 && !keys.includes(this.key)) {
        fail(scope, `${what}: secret ${show(this.secretName)} has no key ${show(this.key)} (it has ${keys.sort().join(', ')})`);
      }
    }
  }

  /** `secretKeyRef` for an env var. */
  public toKeyRef(): { name: string; key: string } {
    return { name: this.secretName, key: this.key };
  }

  /** For identity hashing and descriptions: `name/key`. */
  public toString(): string {
    return `${this.secretName}/${this.key}`;
  }
}

/** The Secret ApiObject behind a cdk8s-plus Secret defined in this app (any version), if any. */
function secretApiObject(secret: IPlusNamedResource | undefined): ApiObject | undefined {
  const child = (secret as Partial<IConstruct> | undefined)?.node?.defaultChild;
  return child instanceof ApiObject && child.kind === 'Secret' ? child : undefined;
}
