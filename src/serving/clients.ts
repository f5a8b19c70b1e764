import { k8s } from 'cdk8s-plus-28';

/** A client admitted to the API ports by the NetworkPolicy. */
export class ServingClient {
  /** Every pod of the serving's own namespace. */
  public static sameNamespace(): ServingClient {
    return new ServingClient({ podSelector: {} }, 'same namespace');
  }

  /** Every pod of namespace `name` (matched by its `kubernetes.io/metadata.name` label). */
  public static namespace(name: string): ServingClient {
    return new ServingClient({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } }, `namespace ${name}`);
  }

  /** Pods with `labels`, in `namespace` or else in the serving's namespace. */
  public static pods(labels: Record<string, string>, namespace?: string): ServingClient {
    const peer: k8s.NetworkPolicyPeer = namespace === undefined
      ? { podSelector: { matchLabels: { ...labels } } }
      : { podSelector: { matchLabels: { ...labels } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } };
    return new ServingClient(peer, `pods ${JSON.stringify(labels)}${namespace ? ` in ${namespace}` : ''}`);
  }

  private constructor(
    /** The rendered NetworkPolicy peer. */
    public readonly peer: k8s.NetworkPolicyPeer,
    /** Description for messages. */
    public readonly description: string,
  ) {}
}
