import { describe, expect, it } from 'vitest'
import {
  MAX_CAPTION_CHARS,
  MAX_CHAT_CHARS,
  chatPictureIds,
  chatSendProblem,
  chatUrl,
  isAnonymous,
  isMine,
  mergeChat,
  oldestId,
  parseChatMessage,
  splitMentions,
  withMention,
} from './chat'

const m = (id: number, body = `m${id}`, image_id: string | null = null) => ({
  id,
  body,
  author_id: 'u-r',
  author_name: '居民 王芳',
  created_at: '2026-12-05T12:00:00+08:00',
  image_id,
})

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

describe('chat pictures', () => {
  it('reads the picture of a live message, and none when it has none', () => {
    expect(parseChatMessage(JSON.stringify(m(8, '', 'img-1')))).toEqual({ type: 'message', message: m(8, '', 'img-1') })
    expect(parseChatMessage(JSON.stringify({ ...m(9), image_id: undefined }))).toEqual({ type: 'message', message: m(9) })
    expect(parseChatMessage(JSON.stringify({ ...m(9), image_id: 42 }))).toEqual({ type: 'message', message: m(9) })
    expect(parseChatMessage(JSON.stringify({ ...m(9), image_id: '' }))).toEqual({ type: 'message', message: m(9) })
  })

  it('lists the pictures in the order of the messages, for the preview', () => {
    expect(chatPictureIds([m(1, 'a', 'p1'), m(2), m(3, '', 'p3')])).toEqual(['p1', 'p3'])
    expect(chatPictureIds([])).toEqual([])
  })

  it('sends a picture with or without a caption of at most 200 characters, and text only when there is some', () => {
    expect(chatSendProblem('', true)).toBeNull()
    expect(chatSendProblem('  看这里  ', true)).toBeNull()
    expect(chatSendProblem('字'.repeat(MAX_CAPTION_CHARS), true)).toBeNull()
    expect(chatSendProblem('字'.repeat(MAX_CAPTION_CHARS + 1), true)).toBe('captionTooLong')
    expect(chatSendProblem('   ', false)).toBe('empty')
    expect(chatSendProblem('你好', false)).toBeNull()
    expect(chatSendProblem('a'.repeat(MAX_CHAT_CHARS + 1), false)).toBe('tooLong')
    // Characters, not UTF-16 units: 200 emoji are a caption of 200.
    expect(chatSendProblem('🙂'.repeat(MAX_CAPTION_CHARS), true)).toBeNull()
  })
})
