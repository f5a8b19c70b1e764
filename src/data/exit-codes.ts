/**
 * Exit codes of the DatasetInit fetch program (`src/data/fetch.sh`).
 *
 * The table is the contract documented in `docs/FETCH.md`; a test checks that the
 * script, this module and the document agree. Retryable codes describe conditions that
 * may pass on their own (network, server, stall, a busy lock); permanent codes describe
 * conditions that will fail the same way on every retry (wrong checksum, missing object,
 * bad archive, full volume, bad configuration). Training constructs map the permanent
 * codes of the init container to `FailJob` in the Job's `podFailurePolicy`.
 */
export const FetchExitCodes = {
  /** Data is in place (fetched now, by another pod, or already complete). */
  OK: 0,
  /** Retryable: connection refused/reset/cut, DNS failure, truncated body. */
  NETWORK_ERROR: 10,
  /** Retryable: HTTP 5xx, 408 or 429 after all retries. */
  HTTP_SERVER_ERROR: 11,
  /** Retryable: no data received for `FETCH_STALL_SECONDS`. */
  STALLED: 12,
  /** Retryable: gave up waiting for the lock (`FETCH_LOCK_WAIT_SECONDS`) or lost it. */
  LOCK_TIMEOUT: 13,
  /** Permanent: sha256 or manifest mismatch on a clean download. */
  CHECKSUM_MISMATCH: 20,
  /** Permanent: HTTP 4xx (401/403/404...), object or repository not found, access denied. */
  HTTP_CLIENT_ERROR: 21,
  /** Permanent: the archive cannot be read or extracted, or has unsafe member paths. */
  BAD_ARCHIVE: 22,
  /** Permanent: not enough free space for `FETCH_EXPECTED_BYTES`, or write errors. */
  NO_SPACE: 23,
  /** Permanent: invalid configuration, or the volume is not writable. */
  BAD_CONFIG: 24,
  /** Permanent: TLS certificate verification failed. */
  TLS_ERROR: 25,
} as const;

export type FetchExitCode = (typeof FetchExitCodes)[keyof typeof FetchExitCodes];

/** Codes that will not change on a retry: map them to `FailJob`. */
export const PERMANENT_FETCH_EXIT_CODES: number[] = [
  FetchExitCodes.CHECKSUM_MISMATCH,
  FetchExitCodes.HTTP_CLIENT_ERROR,
  FetchExitCodes.BAD_ARCHIVE,
  FetchExitCodes.NO_SPACE,
  FetchExitCodes.BAD_CONFIG,
  FetchExitCodes.TLS_ERROR,
];

/** Codes worth another attempt (pod restart or Job retry). */
export const RETRYABLE_FETCH_EXIT_CODES: number[] = [
  FetchExitCodes.NETWORK_ERROR,
  FetchExitCodes.HTTP_SERVER_ERROR,
  FetchExitCodes.STALLED,
  FetchExitCodes.LOCK_TIMEOUT,
];
