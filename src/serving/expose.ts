/** Options of {@link Expose.ingress}. */
export interface IngressExposeOptions {
  /**
   * Host name routed to the server.
   * @default - every host (not allowed with `tls`)
   */
  readonly host?: string;
  /**
   * Path prefix.
   * @default '/'
   */
  readonly path?: string;
  /**
   * IngressClass.
   * @default - the cluster's default class
   */
  readonly className?: string;
  /**
   * Terminate TLS for `host` with the certificate in `tlsSecretName`.
   * @default false
   */
  readonly tls?: boolean;
  /**
   * Secret holding the TLS certificate (e.g. issued by cert-manager). It lives outside the
   * app: the Ingress declares it external (`ml.cdk8s.io/external`) for the whole-app check.
   * @default - `<name>-tls`
   */
  readonly tlsSecretName?: string;
  /**
   * Extra annotations (controller settings such as proxy timeouts).
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Namespace of the ingress controller pods, admitted by the NetworkPolicy.
   * @default 'ingress-nginx'
   */
  readonly controllerNamespace?: string;
  /**
   * Name of the Service port routed to.
   * @default 'http'
   */
  readonly port?: string;
}

/** A Gateway API Gateway a route attaches to. */
export interface GatewayRef {
  /** Gateway name. */
  readonly name: string;
  /** Gateway namespace. @default - the route's namespace */
  readonly namespace?: string;
  /** Listener name. @default - every listener that admits the route */
  readonly sectionName?: string;
}

/** Options of {@link Expose.httpRoute}. */
export interface HttpRouteExposeOptions {
  /** The Gateway (parentRef). */
  readonly gateway: GatewayRef;
  /**
   * Host names.
   * @default - the Gateway listener's
   */
  readonly hostnames?: string[];
  /**
   * Path prefix.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Namespace of the Gateway's data-plane pods, admitted by the NetworkPolicy.
   * @default - the Gateway's namespace (pods of the serving namespace when unset)
   */
  readonly gatewayNamespace?: string;
  /**
   * Name of the Service port routed to.
   * @default 'http'
   */
  readonly port?: string;
}

/** How a {@link ModelServing} is reached from outside the namespace. */
export class Expose {
  /** No Ingress or route: a ClusterIP Service for in-cluster clients only. */
  public static internal(): Expose {
    return new Expose('internal');
  }

  /** A `networking.k8s.io/v1` Ingress (canaries use ingress-nginx canary annotations). */
  public static ingress(options: IngressExposeOptions = {}): Expose {
    return new Expose('ingress', options);
  }

  /** A Gateway API `gateway.networking.k8s.io/v1` HTTPRoute (canaries use backendRef weights). */
  public static httpRoute(options: HttpRouteExposeOptions): Expose {
    return new Expose('httpRoute', undefined, options);
  }

  private constructor(
    /** `internal`, `ingress` or `httpRoute`. */
    public readonly kind: 'internal' | 'ingress' | 'httpRoute',
    /** Ingress options, for `ingress`. */
    public readonly ingressOptions?: IngressExposeOptions,
    /** HTTPRoute options, for `httpRoute`. */
    public readonly httpRouteOptions?: HttpRouteExposeOptions,
  ) {}

  /** Name of the Service port exposed (undefined when internal). */
  public get portName(): string | undefined {
    if (this.kind === 'ingress') return this.ingressOptions?.port ?? 'http';
    if (this.kind === 'httpRoute') return this.httpRouteOptions?.port ?? 'http';
    return undefined;
  }
}
