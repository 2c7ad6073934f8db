import { describe, expect, it, vi } from 'vitest'
import { ApiError, errorFromException, errorFromResponse, errorMessage } from './errors'
import { CLIENT_HEADER_NAME, createApi } from './client'

const BASE = 'http://palmgrid.test'

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

const me = {
  user: { id: '00000000-0000-0000-0000-000000000001', username: 'resident', display_name: '居民小王', memberships: [] },
  tabs: ['home', 'cases', 'community', 'me'],
  totp_enrolled: false,
  totp_required: false,
  totp_pending: false,
  zone: 'internet',
}

describe('error mapping', () => {
  it('takes the code and message of an error body', () => {
    const e = errorFromResponse(401, { error: 'invalid_credentials', message: 'invalid username or password' })
    expect(e).toBeInstanceOf(ApiError)
    expect([e.status, e.code, e.serverMessage]).toEqual([401, 'invalid_credentials', 'invalid username or password'])
    expect(errorMessage(e)).toEqual({ key: 'errors.invalid_credentials', params: {} })
  })

  it('maps the login errors to their messages', () => {
    expect(errorMessage(errorFromResponse(429, { error: 'account_locked', message: 'x' })).key).toBe('errors.account_locked')
    expect(errorMessage(errorFromResponse(401, { error: 'totp_required', message: 'x' })).key).toBe('errors.totp_required')
    expect(errorMessage(errorFromResponse(400, { error: 'invalid_totp', message: 'x' })).key).toBe('errors.invalid_totp')
    expect(errorMessage(errorFromResponse(400, { error: 'bad_request', message: 'x' })).key).toBe('errors.bad_request')
  })

  it('derives a code from the status when the body is not an error body', () => {
    expect(errorFromResponse(401, undefined).code).toBe('unauthenticated')
    expect(errorFromResponse(403, '').code).toBe('forbidden')
    expect(errorFromResponse(404, 'Not Found').code).toBe('not_found')
    expect(errorFromResponse(429, null).code).toBe('rate_limited')
    expect(errorFromResponse(502, '<html>Bad Gateway</html>').code).toBe('server')
    expect(errorFromResponse(418, { message: 'no code' }).code).toBe('http_418')
  })

  it('shows unknown codes with the code, and unknown 5xx as a server error', () => {
    expect(errorMessage(errorFromResponse(409, { error: 'conflict', message: 'x' }))).toEqual({
      key: 'errors.unknown',
      params: { code: 'conflict' },
    })
    expect(errorMessage(errorFromResponse(503, { error: 'db_down', message: 'x' })).key).toBe('errors.server')
  })

  it('turns thrown exceptions into network errors', () => {
    const e = errorFromException(new TypeError('Failed to fetch'))
    expect([e.status, e.code]).toEqual([0, 'network'])
    expect(errorMessage(new TypeError('Failed to fetch')).key).toBe('errors.network')
  })
})

describe('api client', () => {
  it('sends X-Palmgrid-Client: web and same-origin credentials on every request', async () => {
    const seen: Request[] = []
    const fetch = vi.fn(async (req: Request) => {
      seen.push(req)
      if (req.url.endsWith('/api/v1/me')) return json(200, me)
      if (req.url.endsWith('/api/v1/auth/login')) return json(200, { token: 't', user: me.user })
      return new Response(null, { status: 204 })
    })
    const api = createApi({ baseUrl: BASE, fetch })
    await api.login({ username: 'resident', password: 'palmgrid-demo' })
    expect(await api.me()).toEqual(me)
    await api.totpConfirm({ code: '123456' })
    await api.logout()
    expect(seen.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual([
      'POST /api/v1/auth/login',
      'GET /api/v1/me',
      'POST /api/v1/auth/totp/confirm',
      'POST /api/v1/auth/logout',
    ])
    for (const r of seen) {
      expect(r.headers.get(CLIENT_HEADER_NAME)).toBe('web')
      expect(r.credentials).toBe('same-origin')
    }
    expect(await seen[0]!.json()).toEqual({ username: 'resident', password: 'palmgrid-demo' })
  })

  it('throws ApiError with the server code', async () => {
    const api = createApi({ baseUrl: BASE, fetch: async () => json(429, { error: 'account_locked', message: 'locked' }) })
    await expect(api.login({ username: 'a', password: 'b' })).rejects.toMatchObject({ status: 429, code: 'account_locked' })
  })

  it('reports 401 as unauthorised for every call but login', async () => {
    const onUnauthorized = vi.fn()
    const api = createApi({
      baseUrl: BASE,
      onUnauthorized,
      fetch: async () => json(401, { error: 'unauthenticated', message: 'no session' }),
    })
    await expect(api.login({ username: 'a', password: 'b' })).rejects.toMatchObject({ code: 'unauthenticated' })
    expect(onUnauthorized).not.toHaveBeenCalled()
    await expect(api.me()).rejects.toMatchObject({ status: 401 })
    await expect(api.totpEnroll()).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalledTimes(2)
  })

  it('maps a failed fetch to a network error', async () => {
    const api = createApi({ baseUrl: BASE, fetch: async () => Promise.reject(new TypeError('Failed to fetch')) })
    await expect(api.me()).rejects.toMatchObject({ status: 0, code: 'network' })
  })

  it('asks for the timeline of a camera with the range in the query', async () => {
    const items = [{ start: '2026-12-04T10:00:00+08:00', end: '2026-12-04T10:05:00+08:00', start_ms: 1, end_ms: 2 }]
    const seen: URL[] = []
    const api = createApi({
      baseUrl: BASE,
      fetch: async (req) => {
        seen.push(new URL(req.url))
        return json(200, { items })
      },
    })
    expect(await api.timeline('a/b', '2026-12-03T16:00:00.000Z', '2026-12-04T16:00:00.000Z')).toEqual({ items })
    expect(seen[0]?.pathname).toBe('/api/v1/cameras/a%2Fb/timeline')
    expect(seen[0]?.searchParams.get('start')).toBe('2026-12-03T16:00:00.000Z')
    expect(seen[0]?.searchParams.get('end')).toBe('2026-12-04T16:00:00.000Z')
  })

  it('lists cameras and regions', async () => {
    const camera = { id: 'c1', name: '牛角巷北口', grid_code: '430407001001001', status: 'idle', zone: 'internet', has_sub_stream: true, record: false }
    const region = { id: 'r1', code: '430407001001001', name: '牛角巷第一网格', level: 'grid', parent_id: null }
    const seen: string[] = []
    const api = createApi({
      baseUrl: BASE,
      fetch: async (req) => {
        seen.push(`${req.method} ${new URL(req.url).pathname} ${req.headers.get(CLIENT_HEADER_NAME)}`)
        return json(200, { items: req.url.endsWith('/cameras') ? [camera] : [region] })
      },
    })
    expect((await api.cameras()).items).toEqual([camera])
    expect((await api.regions()).items).toEqual([region])
    expect(seen).toEqual(['GET /api/v1/cameras web', 'GET /api/v1/regions web'])
  })

  it('reports a resident\'s 403 on cameras as forbidden', async () => {
    const api = createApi({ baseUrl: BASE, fetch: async () => json(403, { error: 'forbidden', message: 'no video' }) })
    await expect(api.cameras()).rejects.toMatchObject({ status: 403, code: 'forbidden' })
  })

  it('asks for the map, a grid and a point lookup with the client header and cookie', async () => {
    const grid = {
      id: 'g1', code: '430407001001001', name: '牛角巷第一网格', community_code: '430407001001', community_name: '牛角巷社区',
      geometry: { type: 'Polygon', coordinates: [[[112.6, 26.9], [112.61, 26.9], [112.61, 26.91], [112.6, 26.9]]] },
      area_m2: 1000, officers: [{ user_id: 'u1', display_name: '网格员 李敏', role: 'grid_officer' }],
      cameras: 2, cameras_offline: 0, open_cases: 0, mine: true,
    }
    const map = { crs: 'wgs84', tiles: { url: null, attribution: null }, grids: [grid], cameras: [] }
    const seen: Request[] = []
    const api = createApi({
      baseUrl: `${BASE}/`,
      fetch: async (req) => {
        seen.push(req)
        const path = new URL(req.url).pathname
        if (path === '/api/v1/map') return json(200, map)
        if (path === '/api/v1/grids/lookup') return json(200, { grid: { id: 'g1', code: grid.code, name: grid.name, community_code: grid.community_code, community_name: null } })
        return json(200, { ...grid, camera_list: [] })
      },
    })
    expect(await api.map()).toEqual(map)
    expect((await api.grid('g/1', 'gcj02')).camera_list).toEqual([])
    expect((await api.lookupGrid(112.605, 26.905, 'wgs84')).grid.code).toBe('430407001001001')
    expect(seen.map((r) => { const u = new URL(r.url); return `${r.method} ${u.pathname}${u.search}` })).toEqual([
      'GET /api/v1/map',
      'GET /api/v1/grids/g%2F1?crs=gcj02',
      'GET /api/v1/grids/lookup?lon=112.605&lat=26.905&crs=wgs84',
    ])
    for (const r of seen) {
      expect(r.headers.get(CLIENT_HEADER_NAME)).toBe('web')
      expect(r.credentials).toBe('same-origin')
    }
  })

  it('maps the map routes\' errors like every other call', async () => {
    const onUnauthorized = vi.fn()
    const answers = [
      json(404, { error: 'outside_all_grids', message: 'no grid holds the point' }),
      json(404, { error: 'not_found', message: 'x' }),
      new Response('<html>Bad Gateway</html>', { status: 502 }),
      json(401, { error: 'unauthenticated', message: 'x' }),
    ]
    const api = createApi({ baseUrl: BASE, onUnauthorized, fetch: async () => answers.shift()! })
    const outside = api.lookupGrid(0, 0)
    await expect(outside).rejects.toMatchObject({ status: 404, code: 'outside_all_grids' })
    expect(errorMessage(await outside.catch((e) => e))).toEqual({ key: 'errors.outside_all_grids', params: {} })
    await expect(api.grid('nope')).rejects.toMatchObject({ status: 404, code: 'not_found' })
    await expect(api.map()).rejects.toMatchObject({ status: 502, code: 'server' })
    await expect(api.map()).rejects.toMatchObject({ status: 401 })
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    const offline = createApi({ baseUrl: BASE, fetch: async () => Promise.reject(new TypeError('Failed to fetch')) })
    await expect(offline.map()).rejects.toMatchObject({ status: 0, code: 'network' })
  })
})
