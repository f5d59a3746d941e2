export type FetchErrorKind =
  | 'invalid-url'
  | 'blocked'
  | 'dns'
  | 'network'
  | 'timeout'
  | 'too-large'
  | 'too-many-redirects'
  | 'http'
  | 'rate-limited'
  /** A feed file from the configuration could not be read. */
  | 'file';

/**
 * Why a feed could not be fetched. The message is user-facing: it says what happened, names the
 * URL and what to do; `kind` is for code (backoff, disabling, status display).
 */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  /** The HTTP status, for kinds 'http' and 'rate-limited'. */
  readonly status?: number;
  /** How long the server asked us to wait (Retry-After), for kind 'rate-limited'. */
  readonly retryAfterMs?: number;

  constructor(
    readonly kind: FetchErrorKind,
    message: string,
    details: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}
