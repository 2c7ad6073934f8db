import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { ApiError, errorFromException, errorFromResponse } from './errors'
import type { CameraList, LoginRequest, RegionList, TimelineView, TotpConfirmRequest } from './types'
import type { GridDetail, GridLookup, MapCrs, MapView } from './map-types'

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

  // The map routes are not in openapi.json yet, so openapi-fetch has no types for them: these
  // GETs go through fetch with the same headers and credentials, and the same error handling.
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '')
  const rawFetch = options.fetch ?? ((req: Request) => globalThis.fetch(req))
  async function getJson<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<Result<T>> {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
    const qs = params.toString()
    const request = new Request(`${baseUrl}${path}${qs ? `?${qs}` : ''}`, {
      method: 'GET',
      credentials: 'same-origin',
      headers: { [CLIENT_HEADER_NAME]: CLIENT_HEADER_VALUE, Accept: 'application/json' },
    })
    const response = await rawFetch(request)
    const text = await response.text()
    let body: unknown = undefined
    if (text) {
      try {
        body = JSON.parse(text)
      } catch {
        body = text
      }
    }
    return response.ok ? { data: body as T, response } : { error: body, response }
  }

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
    /** Grids (boundaries, officers, counts) and camera markers the user may see; crs defaults to the tiles' datum. */
    map: (crs?: MapCrs): Promise<MapView> => call(() => getJson<MapView>('/api/v1/map', { crs }), true),
    /** One grid with its camera markers (404 outside the user's reach). */
    grid: (id: string, crs?: MapCrs): Promise<GridDetail> =>
      call(() => getJson<GridDetail>(`/api/v1/grids/${encodeURIComponent(id)}`, { crs }), true),
    /** The grid holding a point (404 `outside_all_grids` when none does). */
    lookupGrid: (lon: number, lat: number, crs?: MapCrs): Promise<GridLookup> =>
      call(() => getJson<GridLookup>('/api/v1/grids/lookup', { lon, lat, crs }), true),
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
