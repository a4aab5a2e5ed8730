import { formatTimestamp, isInTimestampRange, parseTimestamp } from '../src';
import { randomInts } from './support';

const iso = (input: string, zone = 'UTC') => parseTimestamp(input, zone)?.toISOString() ?? null;

// Wall-clock "YYYY-MM-DDTHH:mm:ss.SSS" of an instant in a zone: the oracle for round trips.
function wallOf(date: Date, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  const ms = String(date.getUTCMilliseconds()).padStart(3, '0');
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}.${ms}`;
}

describe('parseTimestamp', () => {
  describe('without an offset: wall-clock time in the zone', () => {
    it('UTC', () => {
      expect(iso('2023-04-23T15:05:51', 'UTC')).toBe('2023-04-23T15:05:51.000Z');
      expect(iso('2023-04-23T15:05:51.123', 'UTC')).toBe('2023-04-23T15:05:51.123Z');
      expect(iso('2023-04-23T15:05', 'UTC')).toBe('2023-04-23T15:05:00.000Z');
    });

    it('Asia/Seoul is +09:00 all year (no DST)', () => {
      expect(iso('2023-04-23T15:05:51', 'Asia/Seoul')).toBe('2023-04-23T06:05:51.000Z');
      expect(iso('2023-01-15T09:00:00', 'Asia/Seoul')).toBe('2023-01-15T00:00:00.000Z');
      expect(iso('2023-07-15T09:00:00', 'Asia/Seoul')).toBe('2023-07-15T00:00:00.000Z');
    });

    it('a bare date is midnight in the zone', () => {
      expect(iso('2023-04-23', 'UTC')).toBe('2023-04-23T00:00:00.000Z');
      expect(iso('2023-04-23', 'Asia/Seoul')).toBe('2023-04-22T15:00:00.000Z');
      expect(iso('2023-04-23', 'America/New_York')).toBe('2023-04-23T04:00:00.000Z');
    });

    it('America/New_York: -05:00 in winter, -04:00 in summer', () => {
      expect(iso('2023-01-15T12:00:00', 'America/New_York')).toBe('2023-01-15T17:00:00.000Z');
      expect(iso('2023-07-15T12:00:00', 'America/New_York')).toBe('2023-07-15T16:00:00.000Z');
      // either side of the 2023-03-12 and 2023-11-05 transitions
      expect(iso('2023-03-12T01:59:59', 'America/New_York')).toBe('2023-03-12T06:59:59.000Z');
      expect(iso('2023-03-12T03:00:00', 'America/New_York')).toBe('2023-03-12T07:00:00.000Z');
      expect(iso('2023-11-05T00:59:59', 'America/New_York')).toBe('2023-11-05T04:59:59.000Z');
      expect(iso('2023-11-05T02:00:00', 'America/New_York')).toBe('2023-11-05T07:00:00.000Z');
    });

    it('reads the earliest years too (New York local mean time, -04:56:02)', () => {
      expect(iso('0001-01-01T00:00:00', 'America/New_York')).toBe('0001-01-01T04:56:02.000Z');
      expect(iso('0001-01-01', 'Asia/Seoul')).toBe('0000-12-31T15:32:08.000Z');
    });

    it('a time skipped by spring-forward moves forward by the gap', () => {
      // 02:30 never happens on 2023-03-12; it is read as 02:30 EST = 03:30 EDT
      expect(iso('2023-03-12T02:30:00', 'America/New_York')).toBe('2023-03-12T07:30:00.000Z');
    });

    it('a time repeated by fall-back takes the earlier instant', () => {
      // 01:30 happens twice on 2023-11-05: at 05:30Z (EDT) and at 06:30Z (EST)
      expect(iso('2023-11-05T01:30:00', 'America/New_York')).toBe('2023-11-05T05:30:00.000Z');
    });

    it('round-trips every wall time a zone shows (generated instants, 1970–2100)', () => {
      const rand = randomInts(7);
      const zones = [
        'UTC', 'Asia/Seoul', 'America/New_York', 'Europe/London', 'Asia/Kolkata',
        'Australia/Lord_Howe', 'America/St_Johns',
      ];
      for (let i = 0; i < 400; i += 1) {
        const zone = zones[i % zones.length] as string;
        const instant = new Date(rand(0, 4102444800) * 1000 + rand(0, 999));
        const wall = wallOf(instant, zone);
        const parsed = parseTimestamp(wall, zone);
        expect(parsed).not.toBeNull();
        expect(wallOf(parsed as Date, zone)).toBe(wall);
        // equal, or earlier when the wall time is ambiguous (fall-back)
        expect((parsed as Date).getTime()).toBeLessThanOrEqual(instant.getTime());
        expect(instant.getTime() - (parsed as Date).getTime()).toBeLessThanOrEqual(3_600_000);
      }
    });

    it('zones without DST round-trip exactly', () => {
      const rand = randomInts(11);
      for (let i = 0; i < 100; i += 1) {
        const instant = new Date(rand(1_000_000_000, 4_000_000_000) * 1000);
        for (const zone of ['UTC', 'Asia/Seoul', 'Asia/Kolkata']) {
          expect(parseTimestamp(wallOf(instant, zone), zone)).toEqual(instant);
        }
      }
    });
  });

  describe('with Z or an offset: taken as given, whatever the zone', () => {
    it.each([
      ['2023-04-23T15:05:51Z', '2023-04-23T15:05:51.000Z'],
      ['2023-04-23T15:05:51.5Z', '2023-04-23T15:05:51.500Z'],
      ['2023-04-23T15:05:51+09:00', '2023-04-23T06:05:51.000Z'],
      ['2023-04-23T15:05:51+0900', '2023-04-23T06:05:51.000Z'],
      ['2023-04-23T15:05:51+09', '2023-04-23T06:05:51.000Z'],
      ['2023-04-23T15:05:51-04:00', '2023-04-23T19:05:51.000Z'],
      ['2023-04-23T15:05:51+05:30', '2023-04-23T09:35:51.000Z'],
      ['2023-04-23T15:05:51-00:00', '2023-04-23T15:05:51.000Z'],
      ['2023-04-23T15:05Z', '2023-04-23T15:05:00.000Z'],
      ['2023-04-23T15:05:51.123456789Z', '2023-04-23T15:05:51.123Z'],
      ['2023-04-23T15:05:51,25Z', '2023-04-23T15:05:51.250Z'],
      ['2023-12-31T23:30:00-01:00', '2024-01-01T00:30:00.000Z'],
    ])('%s', (input, expected) => {
      for (const zone of ['UTC', 'Asia/Seoul', 'America/New_York']) {
        expect(iso(input, zone)).toBe(expected);
      }
    });
  });

  it('accepts leap days and small years', () => {
    expect(iso('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(iso('2000-02-29')).toBe('2000-02-29T00:00:00.000Z');
    expect(iso('0050-06-01T00:00:00Z')).toBe('0050-06-01T00:00:00.000Z');
    expect(iso('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
  });

  it.each([
    'abc',
    '',
    ' 2023-04-23T15:05:51',
    '2023-04-23T15:05:51 ',
    '1682262351000',
    '20230423',
    '20230423T150551',
    'Sun, 23 Apr 2023 15:00:00 GMT',
    'Sun Apr 23 2023 15:00:00 GMT+0900 (대한민국 표준시)',
    '04/23/2023',
    '2023-4-23',
    '2023-13-01',
    '2023-00-10',
    '2023-04-00',
    '2023-04-31',
    '2023-02-29',
    '1900-02-29',
    '2023-02-30T00:00:00',
    '0000-01-01T00:00:00Z',
    '+002023-04-23T00:00:00Z',
    '2023-04-23T24:00:00',
    '2023-04-23T15:60:00',
    '2023-04-23T15:05:60',
    '2023-04-23T15',
    '2023-04-23T15:05:51.',
    '2023-04-23 15:05:51',
    '2023-04-23T15:05:51+24:00',
    '2023-04-23T15:05:51+09:60',
    '2023-04-23T15:05:51+9:00',
    '2023-04-23T15:05:51 +09:00',
    '2023-04-23T15:05:51UTC',
    '2023-04-23Z',
    '2023-04-23T15:05:51.123Z\n',
  ])('rejects %j', (input) => {
    expect(parseTimestamp(input, 'UTC')).toBeNull();
    expect(parseTimestamp(input, 'Asia/Seoul')).toBeNull();
  });

  it('throws on an unknown zone when the input needs one (a configuration fault)', () => {
    expect(() => parseTimestamp('2023-04-23T15:05:51', 'Mars/Olympus')).toThrow(RangeError);
    expect(iso('2023-04-23T15:05:51Z', 'Mars/Olympus')).toBe('2023-04-23T15:05:51.000Z');
  });
});

describe('isInTimestampRange', () => {
  const inRange = (input: string, zone = 'UTC') => isInTimestampRange(parseTimestamp(input, zone)!);

  it('holds the years 1970–9999 in UTC, edges included', () => {
    expect(inRange('1970-01-01T00:00:00Z')).toBe(true);
    expect(inRange('9999-12-31T23:59:59.999Z')).toBe(true);
    expect(inRange('1969-12-31T23:59:59.999Z')).toBe(false);
    expect(inRange('0001-01-01T00:00:00Z')).toBe(false);
  });

  it('judges the instant after normalisation, not the digits sent', () => {
    expect(inRange('9999-12-31T23:59:59-23:59')).toBe(false); // +010000-01-01T23:58:59Z
    expect(inRange('0001-01-01T00:00:00+01:00')).toBe(false); // 0000-12-31T23:00:00Z
    expect(inRange('1970-01-01T08:59:59', 'Asia/Seoul')).toBe(false);
    expect(inRange('1970-01-01T09:00:00', 'Asia/Seoul')).toBe(true);
    expect(inRange('9999-12-31T20:00:00', 'America/New_York')).toBe(false);
  });

  it('holds every instant formatTimestamp can write as a four-digit year that parseTimestamp reads back', () => {
    for (const t of [0, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(2026, 4, 1)]) {
      const date = new Date(t);
      expect(isInTimestampRange(date)).toBe(true);
      expect(parseTimestamp(formatTimestamp(date)!, 'UTC')).toEqual(date);
    }
  });
});


describe('formatTimestamp', () => {
  it('is ISO 8601 UTC with milliseconds', () => {
    expect(formatTimestamp(new Date(Date.UTC(2026, 4, 1, 6)))).toBe('2026-05-01T06:00:00.000Z');
    expect(formatTimestamp(new Date(Date.UTC(2026, 4, 1, 6, 0, 0, 7)))).toBe(
      '2026-05-01T06:00:00.007Z',
    );
  });

  it('keeps null as null', () => {
    expect(formatTimestamp(null)).toBeNull();
  });

  it('round-trips with parseTimestamp', () => {
    const date = new Date('2023-04-23T06:05:51.123Z');
    expect(parseTimestamp(formatTimestamp(date) as string, 'Asia/Seoul')).toEqual(date);
  });
});
