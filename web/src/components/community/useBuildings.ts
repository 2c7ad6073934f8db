// The buildings of a community (GET …/buildings), read once per community and shared by the
// notice list, the notice page and the notice form: they change rarely, and only name things.
// A failed read is not kept, so the next use tries again.
import { shallowRef } from 'vue'
import { api } from '../../api/client'
import type { BuildingView } from '../../api/types'

const cache = new Map<string, Promise<BuildingView[]>>()

function read(code: string): Promise<BuildingView[]> {
  let p = cache.get(code)
  if (!p) {
    p = api.buildings(code).then((r) => r.items)
    p.catch(() => cache.delete(code))
    cache.set(code, p)
  }
  return p
}

/** Forgets the buildings read for `code` (after one was added), so the next use reads them again. */
export function forgetBuildings(code: string): void {
  cache.delete(code)
}

export function useBuildings() {
  const buildings = shallowRef<BuildingView[]>([])
  let asked: string | null = null

  /** Reads the buildings of `code` (an empty list when that fails: names are then left out). */
  async function load(code: string | null | undefined): Promise<BuildingView[]> {
    asked = code ?? null
    if (!code) {
      buildings.value = []
      return []
    }
    try {
      const list = await read(code)
      if (asked === code) buildings.value = list
      return list
    } catch {
      if (asked === code) buildings.value = []
      return []
    }
  }

  return { buildings, load }
}
