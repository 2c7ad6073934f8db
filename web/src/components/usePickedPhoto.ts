// One picture chosen for an upload (an action item's progress update, a chat message): the file
// input's change handler turns whatever the phone gives (JPEG, PNG, WebP, a large shot) into a
// JPEG within the server's limit (cases/photo.ts), and keeps an object URL for the thumbnail,
// revoked when the picture is replaced, removed or the component goes away. Also the preview of
// pictures on the server, shared by the pages that show them.
import { onBeforeUnmount, ref, shallowRef } from 'vue'
import { showImagePreview } from 'vant'
import { PhotoError, toJpeg } from '../cases/photo'

export interface PickedPhoto {
  blob: Blob
  url: string
}

/** `onError` gets the i18n key of why a file could not be used (`cases.photo.unreadable` / `too_large`). */
export function usePickedPhoto(onError: (key: string) => void) {
  const photo = shallowRef<PickedPhoto | null>(null)
  const converting = ref(false)

  function set(next: PickedPhoto | null): void {
    if (photo.value) URL.revokeObjectURL(photo.value.url)
    photo.value = next
  }

  /** The `change` handler of an `<input type="file">`. */
  async function pick(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement
    const file = input.files?.[0]
    input.value = '' // the same picture may be chosen again
    if (!file) return
    converting.value = true
    try {
      const blob = await toJpeg(file)
      set({ blob, url: URL.createObjectURL(blob) })
    } catch (e) {
      onError(`cases.photo.${e instanceof PhotoError ? e.code : 'unreadable'}`)
    } finally {
      converting.value = false
    }
  }

  onBeforeUnmount(() => set(null))

  return { photo, converting, pick, clear: () => set(null) }
}

/** Opens the full-screen preview of `urls` at `current` (the first when it is not among them). */
export function previewPictures(urls: readonly string[], current: string): void {
  showImagePreview({ images: [...urls], startPosition: Math.max(0, urls.indexOf(current)), closeable: true })
}
