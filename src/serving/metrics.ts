import { Duration } from 'cdk8s';

/** Options of {@link Metrics.serviceMonitor}. */
export interface ServiceMonitorOptions {
  /**
   * Scrape interval.
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
  /**
   * Labels the Prometheus instance selects ServiceMonitors by (e.g. `release: kube-prometheus-stack`).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Namespace of the Prometheus pods, admitted to the metrics port by the NetworkPolicy.
   * @default 'monitoring'
   */
  readonly prometheusNamespace?: string;
}

/** Options of {@link Metrics.scrapeAnnotations}. */
export interface ScrapeAnnotationsOptions {
  /**
   * Namespace of the Prometheus pods, admitted to the metrics port by the NetworkPolicy.
   * @default 'monitoring'
   */
  readonly prometheusNamespace?: string;
}

/** How the server's Prometheus metrics are scraped. */
export class Metrics {
  /** No scraping: the metrics port is neither in the Service nor admitted by the NetworkPolicy. */
  public static none(): Metrics {
    return new Metrics('none', 'monitoring');
  }

  /** A Prometheus operator ServiceMonitor (`monitoring.coreos.com/v1`). */
  public static serviceMonitor(options: ServiceMonitorOptions = {}): Metrics {
    return new Metrics('serviceMonitor', options.prometheusNamespace ?? 'monitoring', options);
  }

  /** `prometheus.io/scrape`, `/port` and `/path` annotations on the pods. */
  public static scrapeAnnotations(options: ScrapeAnnotationsOptions = {}): Metrics {
    return new Metrics('scrapeAnnotations', options.prometheusNamespace ?? 'monitoring');
  }

  private constructor(
    /** `none`, `serviceMonitor` or `scrapeAnnotations`. */
    public readonly kind: 'none' | 'serviceMonitor' | 'scrapeAnnotations',
    /** Namespace of the Prometheus pods. */
    public readonly prometheusNamespace: string,
    /** ServiceMonitor options. */
    public readonly serviceMonitorOptions?: ServiceMonitorOptions,
  ) {}
}
