import { describe, expect, it, vi } from 'vitest'
import { ApiError, errorFromException, errorFromResponse, errorMessage, parseRetryAfter } from './errors'
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
    expect(errorMessage(errorFromResponse(409, { error: 'version_skew', message: 'x' }))).toEqual({
      key: 'errors.unknown',
      params: { code: 'version_skew' },
    })
    expect(errorMessage(errorFromResponse(503, { error: 'db_down', message: 'x' })).key).toBe('errors.server')
  })

  it('reads Retry-After as seconds or an HTTP date, at least 1 s', () => {
    expect(parseRetryAfter('42')).toBe(42)
    expect(parseRetryAfter(' 7 ')).toBe(7)
    expect(parseRetryAfter('0')).toBe(1)
    const now = Date.UTC(2026, 11, 5, 4, 0, 0)
    expect(parseRetryAfter('Sat, 05 Dec 2026 04:00:30 GMT', now)).toBe(30)
    expect(parseRetryAfter('Sat, 05 Dec 2026 03:59:00 GMT', now)).toBe(1)
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('')).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter('-5')).toBeUndefined()
  })

  it('says how long to wait in slow mode (429 slow_mode with Retry-After)', () => {
    const e = errorFromResponse(429, { error: 'slow_mode', message: 'slow mode: one comment per 60 s on this topic; wait 42 s' }, '42')
    expect([e.status, e.code, e.retryAfter]).toEqual([429, 'slow_mode', 42])
    expect(errorMessage(e)).toEqual({ key: 'errors.slow_mode', params: { seconds: '42' } })
    // Without the header the app cannot say how long: "try again shortly".
    expect(errorMessage(errorFromResponse(429, { error: 'slow_mode', message: 'x' }))).toEqual({ key: 'errors.rate_limited', params: {} })
    // Other answers keep their Retry-After too.
    expect(errorFromResponse(429, { error: 'account_locked', message: 'x' }, '1800').retryAfter).toBe(1800)
    expect(errorFromResponse(404, null).retryAfter).toBeUndefined()
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

  it('lists, reports, reads and moves cases through the typed routes', async () => {
    const summary = { id: 'c1', number: '202612050005', state: 'reported', actions: ['register'] }
    const seen: { method: string; path: string; search: string; body: unknown; type: string | null }[] = []
    const api = createApi({
      baseUrl: BASE,
      fetch: async (req) => {
        const u = new URL(req.url)
        const text = await req.text()
        seen.push({ method: req.method, path: u.pathname, search: u.search, body: text ? JSON.parse(text) : null, type: req.headers.get('Content-Type') })
        expect(req.headers.get(CLIENT_HEADER_NAME)).toBe('web')
        if (u.pathname === '/api/v1/cases' && req.method === 'POST') return json(201, { case: summary, duplicates: [] })
        if (u.pathname === '/api/v1/cases') return json(200, { items: [summary] })
        if (u.pathname.endsWith('/actions')) return json(200, { ...summary, state: 'registered' })
        if (u.pathname === '/api/v1/case-categories') return json(200, { version: 1, departments: [], categories: [] })
        return json(200, { case: summary, timeline: [], evidence: [] })
      },
    })
    expect((await api.cases({ mine: true })).items).toEqual([summary])
    await api.cases()
    expect((await api.reportCase({ category: 'E0101', description: '垃圾', lon: 112.5995, lat: 26.8933 })).case.id).toBe('c1')
    expect((await api.caseDetail('c/1')).case.number).toBe('202612050005')
    expect((await api.caseAction('c1', { action: 'register', version: 1 })).state).toBe('registered')
    expect((await api.caseCategories()).version).toBe(1)
    expect(seen.map((r) => `${r.method} ${r.path}${r.search}`)).toEqual([
      'GET /api/v1/cases?mine=true',
      'GET /api/v1/cases',
      'POST /api/v1/cases',
      'GET /api/v1/cases/c%2F1',
      'POST /api/v1/cases/c1/actions',
      'GET /api/v1/case-categories',
    ])
    expect(seen[2]?.body).toEqual({ category: 'E0101', description: '垃圾', lon: 112.5995, lat: 26.8933 })
    expect(seen[4]?.body).toEqual({ action: 'register', version: 1 })
  })

  it('uploads a photo as a raw JPEG body and names the evidence URL', async () => {
    const seen: Request[] = []
    const api = createApi({
      baseUrl: BASE,
      fetch: async (req) => {
        seen.push(req.clone())
        return json(201, { id: 'e1', kind: 'photo', stage: 'reported', sha256: 'ab', media_type: 'image/jpeg', bytes: 3, added_at: 'x' })
      },
    })
    const jpeg = new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' })
    expect((await api.addCasePhoto('c1', jpeg, '现场')).id).toBe('e1')
    await api.addCasePhoto('c1', jpeg)
    const [first, second] = seen
    expect(first?.method).toBe('POST')
    expect(new URL(first!.url).pathname).toBe('/api/v1/cases/c1/photos')
    expect(new URL(first!.url).searchParams.get('note')).toBe('现场')
    expect(new URL(second!.url).search).toBe('')
    expect(first?.headers.get('Content-Type')).toBe('image/jpeg')
    expect(first?.headers.get(CLIENT_HEADER_NAME)).toBe('web')
    expect(first?.credentials).toBe('same-origin')
    expect([...new Uint8Array(await first!.arrayBuffer())]).toEqual([0xff, 0xd8, 0xff])
    expect(api.evidenceUrl('c 1', 'e1')).toBe(`${BASE}/api/v1/cases/c%201/evidence/e1`)
  })

  it('reads notifications (after an id) and marks them read (204)', async () => {
    const seen: string[] = []
    const bodies: unknown[] = []
    const api = createApi({
      baseUrl: BASE,
      fetch: async (req) => {
        const u = new URL(req.url)
        seen.push(`${req.method} ${u.pathname}${u.search}`)
        if (req.method === 'POST') {
          bodies.push(await req.json())
          return new Response(null, { status: 204 })
        }
        return json(200, { items: [] })
      },
    })
    await api.notifications()
    await api.notifications(12)
    await expect(api.readNotifications(12)).resolves.toBeUndefined()
    expect(seen).toEqual(['GET /api/v1/notifications', 'GET /api/v1/notifications?after=12', 'POST /api/v1/notifications/read'])
    expect(bodies).toEqual([{ up_to: 12 }])
  })

  it('maps case errors: 409 conflict, 422 invalid input, 413 too large', async () => {
    const answers = [
      json(409, { error: 'conflict', message: 'cannot dispatch a case that is reported' }),
      json(422, { error: 'invalid_input', message: '退回 needs a reason' }),
      json(413, { error: 'payload_too_large', message: 'request body is too large' }),
    ]
    const api = createApi({ baseUrl: BASE, fetch: async () => answers.shift()! })
    const conflict = await api.caseAction('c1', { action: 'dispatch' }).catch((e) => e)
    expect([conflict.status, errorMessage(conflict).key]).toEqual([409, 'errors.conflict'])
    const invalid = await api.caseAction('c1', { action: 'return' }).catch((e) => e)
    expect([invalid.status, errorMessage(invalid).key]).toEqual([422, 'errors.invalid_input'])
    const large = await api.addCasePhoto('c1', new Blob([])).catch((e) => e)
    expect([large.status, errorMessage(large).key]).toEqual([413, 'errors.payload_too_large'])
  })

  it('calls the community routes with their paths and bodies', async () => {
    const seen: string[] = []
    const bodies: unknown[] = []
    const api = createApi({
      baseUrl: BASE,
      fetch: async (req) => {
        const u = new URL(req.url)
        seen.push(`${req.method} ${u.pathname}${u.search}`)
        expect(req.headers.get(CLIENT_HEADER_NAME)).toBe('web')
        if (req.method === 'POST') {
          bodies.push(await req.json())
          if (/\/(phase|poll|votes)$/.test(u.pathname)) return new Response(null, { status: 204 })
          return json(201, { id: 'x' })
        }
        return json(200, { items: [] })
      },
    })
    const code = '430407001001'
    await api.topics(code)
    await api.createTopic(code, { title: '停车位', body: '如何划分？', case_id: 'c1', camera_id: 'cam1' })
    await api.topic('t1')
    await api.comment('t1', { body: '同意', parent_id: null })
    await expect(api.moveTopic('t1', 'discuss')).resolves.toBeUndefined()
    await api.openPoll('t1', { question: '是否？', options: ['同意', '不同意'], deadline: '2026-12-08T04:00:00.000Z', quorum_pct: 50 })
    await expect(api.vote('t1', [0])).resolves.toBeUndefined()
    await api.decide('t1', { decision: '同意', action_item: { title: '标线', owner_id: 'u1' } })
    await api.actionItem('i1')
    await api.postProgress('i1', { body: '一半', progress: 40 })
    await api.actionItems(code)
    await api.board(code)
    await api.notices(code)
    await api.postNotice(code, { title: '停水', body: '周六', target: '430407001001001' })
    await api.readNotice('n1')
    await api.noticeReceipts('n1')
    await api.chatHistory(code)
    await api.chatHistory(code, 120)
    await api.chatPost(code, '@property 你好')
    await api.members(code)
    expect(seen).toEqual([
      'GET /api/v1/communities/430407001001/topics',
      'POST /api/v1/communities/430407001001/topics',
      'GET /api/v1/topics/t1',
      'POST /api/v1/topics/t1/comments',
      'POST /api/v1/topics/t1/phase',
      'POST /api/v1/topics/t1/poll',
      'POST /api/v1/topics/t1/votes',
      'POST /api/v1/topics/t1/decision',
      'GET /api/v1/action-items/i1',
      'POST /api/v1/action-items/i1/updates',
      'GET /api/v1/communities/430407001001/action-items',
      'GET /api/v1/communities/430407001001/board',
      'GET /api/v1/communities/430407001001/notices',
      'POST /api/v1/communities/430407001001/notices',
      'GET /api/v1/notices/n1',
      'GET /api/v1/notices/n1/receipts',
      'GET /api/v1/communities/430407001001/chat',
      'GET /api/v1/communities/430407001001/chat?before=120',
      'POST /api/v1/communities/430407001001/chat',
      'GET /api/v1/communities/430407001001/members',
    ])
    expect(bodies).toEqual([
      { title: '停车位', body: '如何划分？', case_id: 'c1', camera_id: 'cam1' },
      { body: '同意', parent_id: null },
      { to: 'discuss' },
      { question: '是否？', options: ['同意', '不同意'], deadline: '2026-12-08T04:00:00.000Z', quorum_pct: 50 },
      { choices: [0] },
      { decision: '同意', action_item: { title: '标线', owner_id: 'u1' } },
      { body: '一半', progress: 40 },
      { title: '停水', body: '周六', target: '430407001001001' },
      { body: '@property 你好' },
    ])
  })

  it('sets slow mode, reads and sets community prefs, and asks for the camera-access report', async () => {
    const seen: string[] = []
    const bodies: unknown[] = []
    const api = createApi({
      baseUrl: BASE,
      fetch: async (req) => {
        const u = new URL(req.url)
        seen.push(`${req.method} ${u.pathname}${u.search}`)
        expect(req.headers.get(CLIENT_HEADER_NAME)).toBe('web')
        if (req.method === 'PUT') bodies.push(await req.json())
        if (u.pathname.endsWith('/slow-mode')) return new Response(null, { status: 204 })
        if (u.pathname.endsWith('/community-prefs')) return json(200, { anonymous: req.method === 'PUT' })
        return json(200, { community_code: '430407001001', from: 'a', to: 'b', truncated: false, cameras: [] })
      },
    })
    await expect(api.setSlowMode('t1', 60)).resolves.toBeUndefined()
    expect(await api.communityPrefs()).toEqual({ anonymous: false })
    expect(await api.setCommunityPrefs({ anonymous: true })).toEqual({ anonymous: true })
    expect((await api.cameraAccess('430407001001')).cameras).toEqual([])
    await api.cameraAccess('430407001001', '2026-11-28T04:00:00.000Z')
    expect(seen).toEqual([
      'PUT /api/v1/topics/t1/slow-mode',
      'GET /api/v1/me/community-prefs',
      'PUT /api/v1/me/community-prefs',
      'GET /api/v1/communities/430407001001/camera-access',
      'GET /api/v1/communities/430407001001/camera-access?from=2026-11-28T04%3A00%3A00.000Z',
    ])
    expect(bodies).toEqual([{ seconds: 60 }, { anonymous: true }])
  })

  it('passes the Retry-After of a slow-mode refusal on with the error', async () => {
    const api = createApi({
      baseUrl: BASE,
      fetch: async () =>
        new Response(JSON.stringify({ error: 'slow_mode', message: 'slow mode: wait 57 s' }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '57' },
        }),
    })
    const e = await api.comment('t1', { body: '再说一句', parent_id: null }).catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect([e.status, e.code, e.retryAfter]).toEqual([429, 'slow_mode', 57])
    expect(errorMessage(e)).toEqual({ key: 'errors.slow_mode', params: { seconds: '57' } })
  })

  it('builds the picture URLs of topics and cameras, and maps a camera without a picture', async () => {
    const api = createApi({ baseUrl: BASE, fetch: async () => json(503, { error: 'camera_unavailable', message: 'no picture' }) })
    expect(api.topicEvidenceUrl('t/1')).toBe(`${BASE}/api/v1/topics/t%2F1/evidence.png`)
    expect(api.maskedSnapshotUrl('c1', '议题取证')).toBe(`${BASE}/api/v1/cameras/c1/masked.png?purpose=%E8%AE%AE%E9%A2%98%E5%8F%96%E8%AF%81`)
    const e = await api.createTopic('430407001001', { title: 'a', body: 'b', camera_id: 'c1' }).catch((x) => x)
    expect([e.status, errorMessage(e).key]).toEqual([503, 'errors.camera_unavailable'])
  })
})
