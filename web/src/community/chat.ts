// 社区群聊 as pure functions: the WebSocket URL and its messages, merging what history and the
// socket bring (by id, each once, in order), @mentions in a message, and pictures (a message may
// carry one, with its text as a caption).
import type { ChatMessageView } from '../api/types'

/** The chat WebSocket of a community on the page's own origin (the session cookie authenticates it). */
export function chatUrl(location: { protocol: string; host: string }, code: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/api/v1/communities/${encodeURIComponent(code)}/chat.ws`
}

export type ChatSocketMessage =
  | { type: 'message'; message: ChatMessageView }
  /** The socket fell behind: read the history again. */
  | { type: 'resync' }
  /** A message sent over the socket was not accepted. */
  | { type: 'refused' }

/** One text message of the chat socket; null for anything unexpected. */
export function parseChatMessage(text: unknown): ChatSocketMessage | null {
  if (typeof text !== 'string') return null
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null) return null
  const o = v as Record<string, unknown>
  if (o.kind === 'resync') return { type: 'resync' }
  if (o.kind === 'refused') return { type: 'refused' }
  if (typeof o.id !== 'number' || !Number.isInteger(o.id) || typeof o.body !== 'string') return null
  return {
    type: 'message',
    message: {
      id: o.id,
      body: o.body,
      author_id: typeof o.author_id === 'string' ? o.author_id : '',
      author_name: typeof o.author_name === 'string' ? o.author_name : '',
      created_at: typeof o.created_at === 'string' ? o.created_at : new Date().toISOString(),
      image_id: typeof o.image_id === 'string' && o.image_id !== '' ? o.image_id : null,
    },
  }
}

/** Messages by id, each once, oldest first. */
export function mergeChat(existing: readonly ChatMessageView[], incoming: readonly ChatMessageView[]): ChatMessageView[] {
  const byId = new Map<number, ChatMessageView>()
  for (const m of existing) byId.set(m.id, m)
  for (const m of incoming) byId.set(m.id, m)
  return [...byId.values()].sort((a, b) => a.id - b.id)
}

/** The id to page back from (`before`), or undefined when nothing is held. */
export function oldestId(messages: readonly ChatMessageView[]): number | undefined {
  return messages.length > 0 ? Math.min(...messages.map((m) => m.id)) : undefined
}

export type ChatPart = { text: string; mention: false } | { text: string; mention: true; username: string; me: boolean }

/**
 * A message split into plain text and `@username` mentions (as the server reads them: a word
 * starting with @, trailing punctuation left out), marking those of `myUsername`.
 */
export function splitMentions(body: string, myUsername?: string | null): ChatPart[] {
  const out: ChatPart[] = []
  const re = /@([\p{L}\p{N}_.-]*[\p{L}\p{N}_-])/gu
  let last = 0
  for (const m of body.matchAll(re)) {
    const at = m.index ?? 0
    // A mention starts a word: not inside an e-mail address.
    if (at > 0 && !/\s/.test(body[at - 1] ?? '')) continue
    if (at > last) out.push({ text: body.slice(last, at), mention: false })
    const username = m[1] ?? ''
    out.push({ text: m[0], mention: true, username, me: !!myUsername && username.toLowerCase() === myUsername.toLowerCase() })
    last = at + m[0].length
  }
  if (last < body.length) out.push({ text: body.slice(last), mention: false })
  return out
}

/**
 * The message input with a mention started at its end (a space before it when needed): `@` for
 * the user to type the name after, or `@username ` when the name is known.
 */
export function withMention(input: string, username = ''): string {
  const sep = input === '' || /\s$/.test(input) ? '' : ' '
  return username ? `${input}${sep}@${username} ` : `${input}${sep}@`
}

/** The message was written by the signed-in user (by account id: names are not unique). */
export function isMine(message: Pick<ChatMessageView, 'author_id'>, myId: string | null | undefined): boolean {
  return !!myId && message.author_id === myId
}

/**
 * The message comes from a neighbour who chose to be anonymous: the server leaves out their
 * account id and names them by an alias (邻居 3F2A).
 */
export function isAnonymous(message: Pick<ChatMessageView, 'author_id'>): boolean {
  return message.author_id === ''
}

export const MAX_CHAT_CHARS = 2000

/** A picture's caption: palmgrid_app::community::chat_post_image takes at most 200 characters. */
export const MAX_CAPTION_CHARS = 200

/** The pictures of the chat in order (for the preview, which pages through all of them). */
export function chatPictureIds(messages: readonly Pick<ChatMessageView, 'image_id'>[]): string[] {
  return messages.flatMap((m) => (m.image_id ? [m.image_id] : []))
}

export type ChatSendProblem = 'empty' | 'tooLong' | 'captionTooLong'

/**
 * Why the composer cannot send (null when it can): nothing to send, a text over 2,000 characters,
 * or — with a picture — a caption over 200.
 */
export function chatSendProblem(text: string, withPicture: boolean): ChatSendProblem | null {
  const body = text.trim()
  const length = [...body].length
  if (withPicture) return length > MAX_CAPTION_CHARS ? 'captionTooLong' : null
  if (!body) return 'empty'
  return length > MAX_CHAT_CHARS ? 'tooLong' : null
}
