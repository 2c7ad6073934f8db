import { describe, expect, it } from 'vitest'
import { chatUrl, isAnonymous, isMine, mergeChat, oldestId, parseChatMessage, splitMentions, withMention } from './chat'

const m = (id: number, body = `m${id}`) => ({ id, body, author_id: 'u-r', author_name: '居民 王芳', created_at: '2026-12-05T12:00:00+08:00' })

describe('community chat', () => {
  it('opens the socket of the community on the page’s origin', () => {
    expect(chatUrl({ protocol: 'https:', host: 'grid.example' }, '430407001001')).toBe(
      'wss://grid.example/api/v1/communities/430407001001/chat.ws',
    )
    expect(chatUrl({ protocol: 'http:', host: '127.0.0.1:5173' }, '430407001001')).toBe(
      'ws://127.0.0.1:5173/api/v1/communities/430407001001/chat.ws',
    )
  })

  it('reads messages, resync and refusals, and ignores anything else', () => {
    expect(parseChatMessage(JSON.stringify(m(7)))).toEqual({ type: 'message', message: m(7) })
    expect(parseChatMessage('{"kind":"resync"}')).toEqual({ type: 'resync' })
    expect(parseChatMessage('{"kind":"refused"}')).toEqual({ type: 'refused' })
    expect(parseChatMessage('{"id":"7","body":"x"}')).toBeNull()
    expect(parseChatMessage('not json')).toBeNull()
    expect(parseChatMessage(new ArrayBuffer(2))).toBeNull()
    expect(parseChatMessage('null')).toBeNull()
  })

  it('knows the reader’s own messages by account id, not by name', () => {
    expect(isMine(m(1), 'u-r')).toBe(true)
    expect(isMine({ ...m(1), author_id: 'u-other' }, 'u-r')).toBe(false)
    expect(isMine(m(1), null)).toBe(false)
    expect(isMine({ ...m(1), author_id: '' }, '')).toBe(false)
  })

  it('tells a neighbour anonymous to the reader by the missing account id', () => {
    const alias = { ...m(1), author_id: '', author_name: '邻居 3F2A' }
    expect(isAnonymous(alias)).toBe(true)
    expect(isAnonymous(m(1))).toBe(false)
    // A pushed message without an author id is anonymous too (and never the reader's own).
    const pushed = parseChatMessage('{"id":9,"body":"你好","author_name":"邻居 3F2A"}')
    expect(pushed?.type === 'message' && isAnonymous(pushed.message)).toBe(true)
    expect(pushed?.type === 'message' && isMine(pushed.message, 'u-r')).toBe(false)
  })

  it('merges history and pushes by id, each once, in order', () => {
    const merged = mergeChat([m(3), m(1)], [m(2), m(3, 'again'), m(5)])
    expect(merged.map((x) => x.id)).toEqual([1, 2, 3, 5])
    expect(merged[2]?.body).toBe('again')
    expect(oldestId(merged)).toBe(1)
    expect(oldestId([])).toBeUndefined()
  })

  it('finds @mentions at word starts, without trailing punctuation, marking the reader’s', () => {
    expect(splitMentions('@property 垃圾桶什么时候装好？', 'property')).toEqual([
      { text: '@property', mention: true, username: 'property', me: true },
      { text: ' 垃圾桶什么时候装好？', mention: false },
    ])
    expect(splitMentions('请 @officer, 看看', 'resident')).toEqual([
      { text: '请 ', mention: false },
      { text: '@officer', mention: true, username: 'officer', me: false },
      { text: ', 看看', mention: false },
    ])
    expect(splitMentions('mail a@b.cn now', 'b')).toEqual([{ text: 'mail a@b.cn now', mention: false }])
    expect(splitMentions('', 'x')).toEqual([])
  })

  it('starts a mention at the end of the input', () => {
    expect(withMention('')).toBe('@')
    expect(withMention('你好')).toBe('你好 @')
    expect(withMention('你好 ', 'property')).toBe('你好 @property ')
  })
})
