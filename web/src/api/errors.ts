// Maps failed API calls to one error type with a stable code and an i18n message key.

/** Codes the web app has a message for. Anything else the server sends maps to `errors.unknown`. */
export const KNOWN_ERROR_CODES = [
  'invalid_credentials',
  'account_locked',
  'totp_required',
  'invalid_totp',
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'rate_limited',
  'network',
  'server',
  'outside_all_grids',
  'invalid_input',
  'conflict',
  'payload_too_large',
  'camera_unavailable',
  'slow_mode',
] as const
export type KnownErrorCode = (typeof KNOWN_ERROR_CODES)[number]

export class ApiError extends Error {
  /** HTTP status; 0 when the request never got an answer (network error). */
  readonly status: number
  /** The server's `error` field, or a code derived from the status. */
  readonly code: string
  /** The server's `message` field, if any (not shown as is: it may be English). */
  readonly serverMessage: string | undefined
  /** Seconds to wait before trying again (the `Retry-After` header), when the server said. */
  readonly retryAfter: number | undefined

  constructor(status: number, code: string, serverMessage?: string, retryAfter?: number) {
    super(serverMessage ? `${code}: ${serverMessage}` : code)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.serverMessage = serverMessage
    this.retryAfter = retryAfter
  }
}

/**
 * A `Retry-After` header in whole seconds (at least 1): delta-seconds, or an HTTP date measured
 * from `now`. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const v = (value ?? '').trim()
  if (v === '') return undefined
  if (/^\d+$/.test(v)) return Math.max(1, Number(v))
  // An HTTP date ("Sat, 05 Dec 2026 04:00:30 GMT"), not any string Date.parse accepts.
  if (!/^[A-Za-z]{3}, /.test(v)) return undefined
  const at = Date.parse(v)
  if (!Number.isFinite(at)) return undefined
  return Math.max(1, Math.ceil((at - now) / 1000))
}

function isErrorBody(body: unknown): body is { error: string; message?: unknown } {
  return typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string'
}

function codeForStatus(status: number): string {
  if (status === 400) return 'bad_request'
  if (status === 401) return 'unauthenticated'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not_found'
  if (status === 429) return 'rate_limited'
  if (status >= 500) return 'server'
  return `http_${status}`
}

/**
 * An error answer from the server: `{"error": code, "message": string}` or anything else, with
 * its `Retry-After` header (seconds to wait), if any.
 */
export function errorFromResponse(status: number, body: unknown, retryAfter?: string | null): ApiError {
  const wait = parseRetryAfter(retryAfter)
  if (isErrorBody(body) && body.error !== '') {
    return new ApiError(status, body.error, typeof body.message === 'string' ? body.message : undefined, wait)
  }
  return new ApiError(status, codeForStatus(status), undefined, wait)
}

/** A request that threw before any answer (offline, DNS, connection refused, CORS…). */
export function errorFromException(e: unknown): ApiError {
  if (e instanceof ApiError) return e
  const detail = e instanceof Error ? e.message : String(e)
  return new ApiError(0, 'network', detail)
}

export function isKnownErrorCode(code: string): code is KnownErrorCode {
  return (KNOWN_ERROR_CODES as readonly string[]).includes(code)
}

/** The i18n key and parameters for showing an error to a person. */
export function errorMessage(e: unknown): { key: string; params: Record<string, string> } {
  const err = e instanceof ApiError ? e : errorFromException(e)
  if (err.code === 'slow_mode') {
    // 慢速模式: say how long to wait (the Retry-After header); without it, just "later".
    return err.retryAfter !== undefined
      ? { key: 'errors.slow_mode', params: { seconds: String(err.retryAfter) } }
      : { key: 'errors.rate_limited', params: {} }
  }
  if (isKnownErrorCode(err.code)) return { key: `errors.${err.code}`, params: {} }
  if (err.status >= 500) return { key: 'errors.server', params: {} }
  return { key: 'errors.unknown', params: { code: err.code } }
}
