import { describe, expect, it } from 'vitest'
import {
  DEFAULT_QUIET,
  DIGESTS,
  endsNextDay,
  fromColumns,
  isHHMM,
  normalizePrefs,
  quietOn,
  timeColumns,
  withQuiet,
  withQuietEnd,
} from './prefs'

const OFF = { anonymous: false, quiet_from: null, quiet_to: null, digest: 'off' as const }

describe('community preferences', () => {
  it('are complete whatever the server sent', () => {
    expect(normalizePrefs({ anonymous: true })).toEqual({ ...OFF, anonymous: true })
    expect(normalizePrefs({ anonymous: false, quiet_from: '22:00', quiet_to: '07:00', digest: 'daily' })).toEqual({
      anonymous: false,
      quiet_from: '22:00',
      quiet_to: '07:00',
      digest: 'daily',
    })
    // One end alone, a bad time or an unknown digest count as none.
    expect(normalizePrefs({ anonymous: false, quiet_from: '22:00', quiet_to: null, digest: 'hourly' })).toEqual(OFF)
    expect(normalizePrefs({ anonymous: false, quiet_from: '24:00', quiet_to: '07:00' })).toEqual(OFF)
    expect([...DIGESTS]).toEqual(['off', 'daily', 'weekly'])
  })

  it('check times as HH:MM', () => {
    expect(['00:00', '07:00', '23:59'].every(isHHMM)).toBe(true)
    expect(['7:00', '24:00', '12:60', '', null, 700].some(isHHMM)).toBe(false)
  })

  it('turn quiet hours on at 22:00–07:00 by default, and off with both ends', () => {
    expect(DEFAULT_QUIET).toEqual({ from: '22:00', to: '07:00' })
    const on = withQuiet(OFF, true)
    expect(on).toEqual({ ...OFF, quiet_from: '22:00', quiet_to: '07:00' })
    expect(quietOn(on)).toBe(true)
    expect(withQuiet(on, false)).toEqual(OFF)
    expect(quietOn(OFF)).toBe(false)
    expect(withQuiet(OFF, true, { from: '13:00', to: '14:30' })).toMatchObject({ quiet_from: '13:00', quiet_to: '14:30' })
  })

  it('change one end, never to equal ends', () => {
    const on = withQuiet(OFF, true)
    expect(withQuietEnd(on, 'from', '23:30')).toMatchObject({ quiet_from: '23:30', quiet_to: '07:00' })
    expect(withQuietEnd(on, 'to', '06:00')).toMatchObject({ quiet_from: '22:00', quiet_to: '06:00' })
    expect(withQuietEnd(on, 'to', '22:00')).toBeNull()
    expect(withQuietEnd(on, 'to', '25:00')).toBeNull()
  })

  it('say when the quiet hours end the next day', () => {
    expect(endsNextDay('22:00', '07:00')).toBe(true)
    expect(endsNextDay('12:00', '14:00')).toBe(false)
  })

  it('map times to the picker columns and back', () => {
    expect(timeColumns('22:05', '07:00')).toEqual(['22', '05'])
    expect(timeColumns(null, '07:00')).toEqual(['07', '00'])
    expect(fromColumns(['07', '30'])).toBe('07:30')
    expect(fromColumns([7, 5])).toBe('07:05')
    expect(fromColumns(['25', '00'])).toBeNull()
    expect(fromColumns(['07'])).toBeNull()
  })
})
