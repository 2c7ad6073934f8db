// The nav bar's back arrow of a page opened from a part of 社区 (a topic, an action item, a
// mediation, a service request): back to where the reader came from, or, for a page opened
// straight from a link, to that part of 社区, in the record's community once it is known.
import { useRouter } from 'vue-router'

export function useBackToCommunity(tab: string, communityCode: () => string | null | undefined): () => void {
  const router = useRouter()
  return () => {
    if (window.history.state?.back) router.back()
    else {
      const c = communityCode()
      void router.replace({ name: 'community', query: c ? { tab, c } : { tab } })
    }
  }
}
