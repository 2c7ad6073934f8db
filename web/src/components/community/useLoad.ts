// Loading state shared by the community panels: first load (spinner), pull-to-refresh, and the
// error of the last attempt as an i18n key.
import { ref } from 'vue'
import { communityError } from '../../community/topics'

export function useLoad(load: () => Promise<unknown>) {
  const loading = ref(true)
  const refreshing = ref(false)
  const error = ref<{ key: string; params: Record<string, string> } | null>(null)

  async function run(): Promise<void> {
    error.value = null
    try {
      await load()
    } catch (e) {
      error.value = communityError(e)
    } finally {
      loading.value = false
      refreshing.value = false
    }
  }

  function retry(): void {
    loading.value = true
    void run()
  }

  return { loading, refreshing, error, run, retry }
}
