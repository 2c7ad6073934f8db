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
] as const
export type KnownErrorCode = (typeof KNOWN_ERROR_CODES)[number]

export class ApiError extends Error {
  /** HTTP status; 0 when the request never got an answer (network error). */
  readonly status: number
  /** The server's `error` field, or a code derived from the status. */
  readonly code: string
  /** The server's `message` field, if any (not shown as is: it may be English). */
  readonly serverMessage: string | undefined

  constructor(status: number, code: string, serverMessage?: string) {
    super(serverMessage ? `${code}: ${serverMessage}` : code)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.serverMessage = serverMessage
  }
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

/** An error answer from the server: `{"error": code, "message": string}` or anything else. */
export function errorFromResponse(status: number, body: unknown): ApiError {
  if (isErrorBody(body) && body.error !== '') {
    return new ApiError(status, body.error, typeof body.message === 'string' ? body.message : undefined)
  }
  return new ApiError(status, codeForStatus(status))
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
  if (isKnownErrorCode(err.code)) return { key: `errors.${err.code}`, params: {} }
  if (err.status >= 500) return { key: 'errors.server', params: {} }
  return { key: 'errors.unknown', params: { code: err.code } }
}
