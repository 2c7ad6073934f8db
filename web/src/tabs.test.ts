import { describe, expect, it } from 'vitest'
import { fallbackTab, isTabKey, tabRedirect, visibleTabs } from './tabs'

const keys = (tabs: string[] | null | undefined) => visibleTabs(tabs).map((t) => t.key)

describe('visibleTabs', () => {
  it('shows exactly the tabs the server lists, in the fixed order', () => {
    expect(keys(['home', 'video', 'cases', 'community', 'me'])).toEqual(['home', 'video', 'cases', 'community', 'me'])
    expect(keys(['me', 'community', 'home', 'cases'])).toEqual(['home', 'cases', 'community', 'me'])
    expect(keys(['home', 'me'])).toEqual(['home', 'me'])
  })

  it('shows nothing the server did not list', () => {
    expect(keys([])).toEqual([])
    expect(keys(null)).toEqual([])
    expect(keys(undefined)).toEqual([])
  })

  it('ignores unknown and duplicate keys', () => {
    expect(keys(['home', 'admin', 'home', 'HOME', 'video', ''])).toEqual(['home', 'video'])
  })

  it('describes each tab with its route, icon and label key', () => {
    expect(visibleTabs(['cases'])).toEqual([{ key: 'cases', path: '/cases', icon: 'todo-list-o', labelKey: 'tabs.cases' }])
  })
})

describe('route guard decisions', () => {
  const resident = ['home', 'cases', 'community', 'me']

  it('allows a tab the user has', () => {
    expect(tabRedirect('cases', resident)).toBeNull()
    expect(tabRedirect('home', resident)).toBeNull()
  })

  it('sends a tab the user lacks to home', () => {
    expect(tabRedirect('video', resident)).toBe('home')
  })

  it('falls back to the first tab when home is missing, and to none when there is no tab', () => {
    expect(fallbackTab(['me', 'cases'])).toBe('cases')
    expect(tabRedirect('home', ['me'])).toBe('me')
    expect(tabRedirect('home', [])).toBe('none')
    expect(fallbackTab([])).toBeNull()
  })

  it('recognises tab keys', () => {
    expect(isTabKey('community')).toBe(true)
    expect(isTabKey('login')).toBe(false)
    expect(isTabKey(undefined)).toBe(false)
  })
})
