import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { ApiError, errorFromException, errorFromResponse } from './errors'
import type { CameraList, LoginRequest, RegionList, TimelineView, TotpConfirmRequest } from './types'

/** Sent on every request. The server requires it on cookie-authenticated non-GET requests (CSRF). */
export const CLIENT_HEADER_NAME = 'X-Palmgrid-Client'
export const CLIENT_HEADER_VALUE = 'web'

export interface ApiOptions {
  /** '' (same origin) in the app; an absolute URL in tests. */
  baseUrl?: string
  fetch?: (input: Request) => Promise<Response>
  /** Called on a 401 from any call other than login (the session is gone). */
  onUnauthorized?: () => void
}

type Result<T> = { data?: T; error?: unknown; response: Response }

export function createApi(options: ApiOptions = {}) {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    credentials: 'same-origin',
    headers: { [CLIENT_HEADER_NAME]: CLIENT_HEADER_VALUE },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })

  async function call<T>(request: () => Promise<Result<T>>, authenticated: boolean): Promise<T> {
    let result: Result<T>
    try {
      result = await request()
    } catch (e) {
      throw errorFromException(e)
    }
    const { response } = result
    if (!response.ok) {
      const err = errorFromResponse(response.status, result.error)
      if (authenticated && response.status === 401) options.onUnauthorized?.()
      throw err
    }
    return result.data as T
  }

  return {
    login: (body: LoginRequest) => call(() => client.POST('/api/v1/auth/login', { body }), false),
    logout: () => call(() => client.POST('/api/v1/auth/logout'), true),
    me: () => call(() => client.GET('/api/v1/me'), true),
    totpEnroll: () => call(() => client.POST('/api/v1/auth/totp/enroll'), true),
    totpConfirm: (body: TotpConfirmRequest) => call(() => client.POST('/api/v1/auth/totp/confirm', { body }), true),
    cameras: (): Promise<CameraList> => call(() => client.GET('/api/v1/cameras'), true),
    regions: (): Promise<RegionList> => call(() => client.GET('/api/v1/regions'), true),
    /** Recorded spans of a camera between two RFC 3339 times (at most 31 days apart). */
    timeline: (id: string, start: string, end: string): Promise<TimelineView> =>
      call(() => client.GET('/api/v1/cameras/{id}/timeline', { params: { path: { id }, query: { start, end } } }), true),
  }
}

export type Api = ReturnType<typeof createApi>

let unauthorizedHandler: (() => void) | undefined

/** The app registers where to go when the session ends (the login page). */
export function setUnauthorizedHandler(handler: () => void): void {
  unauthorizedHandler = handler
}

/** The app's client: same origin, cookie session, X-Palmgrid-Client: web. */
export const api: Api = createApi({ onUnauthorized: () => unauthorizedHandler?.() })

export { ApiError }
