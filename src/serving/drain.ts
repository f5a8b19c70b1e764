import { Duration } from 'cdk8s';

/**
 * What the server container does between "pod is terminating" and SIGTERM, so that load
 * balancers stop sending requests before the server stops accepting them.
 */
export class Drain {
  /**
   * Wait `duration`: with the `lifecycle.preStop.sleep` action when the target Kubernetes
   * version has it on by default (1.30+, beta; GA 1.34), otherwise with an `exec` of
   * `/bin/sleep` (present in the vLLM, Triton, TGI and TorchServe images, but not in
   * distroless ones: use {@link Drain.httpGet} or target 1.30+ for those).
   */
  public static sleep(duration: Duration): Drain {
    return new Drain('auto', duration);
  }

  /** Always the `lifecycle.preStop.sleep` action (refused below Kubernetes 1.30). */
  public static sleepAction(duration: Duration): Drain {
    return new Drain('sleepAction', duration);
  }

  /** Always `exec: [<sleepBinary>, <seconds>]`; the image must contain the binary. */
  public static execSleep(duration: Duration, sleepBinary = '/bin/sleep'): Drain {
    return new Drain('exec', duration, sleepBinary);
  }

  /**
   * An HTTP GET to `path` on the API port that the server answers once it has stopped
   * taking new work; `expected` is how long that takes (counted in the grace period).
   */
  public static httpGet(path: string, expected: Duration): Drain {
    return new Drain('httpGet', expected, undefined, path);
  }

  /** No preStop hook. */
  public static none(): Drain {
    return new Drain('none', Duration.seconds(0));
  }

  private constructor(
    /** `auto`, `sleepAction`, `exec`, `httpGet` or `none`. */
    public readonly kind: 'auto' | 'sleepAction' | 'exec' | 'httpGet' | 'none',
    /** How long the drain takes. */
    public readonly duration: Duration,
    /** Sleep binary, for `exec`. */
    public readonly sleepBinary?: string,
    /** Path, for `httpGet`. */
    public readonly path?: string,
  ) {}
}
