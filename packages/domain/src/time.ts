// ISO 8601 extended format only (RFC 3339 plus the seed's zone-less forms):
// date, optional time (hh:mm, hh:mm:ss, hh:mm:ss.fraction), optional Z or ±hh:mm / ±hhmm / ±hh.
// Basic format (20230423T150551) is refused so that digit strings are never taken as dates.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Wall {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

// Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
function wallToEpoch(w: Wall): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, w.ms);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

// The zone's offset (local minus UTC, in ms) at one instant, read back from Intl.
function offsetAt(epochMs: number, timeZone: string): number {
  const seconds = Math.floor(epochMs / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(seconds)) parts[p.type] = p.value;
  const year = Number(parts.year);
  const local = wallToEpoch({
    year: parts.era === 'BC' ? 1 - year : year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
    ms: 0,
  });
  return local - seconds;
}

/**
 * The instant a wall-clock time names in `timeZone`. In a fall-back overlap (01:30 twice
 * in New York) the earlier instant wins; in a spring-forward gap (02:30 never happens)
 * the time is read with the offset in force before the gap, i.e. moved forward by the
 * gap's length (02:30 → 03:30 EDT). Both match Temporal's and JavaScript's 'compatible'.
 */
function zonedWallToEpoch(w: Wall, timeZone: string): number {
  const asUtc = wallToEpoch(w);
  const before = offsetAt(asUtc - DAY, timeZone);
  const offsets = new Set([before, offsetAt(asUtc, timeZone), offsetAt(asUtc + DAY, timeZone)]);
  const fits = [...offsets]
    .map((offset) => asUtc - offset)
    .filter((t) => asUtc - offsetAt(t, timeZone) === t);
  return fits.length > 0 ? Math.min(...fits) : asUtc - before;
}

function parseOffset(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return Number.NaN;
  return sign * (hours * HOUR + minutes * MINUTE);
}

/**
 * Reads a request timestamp. With `Z` or an offset it is taken as given; without one
 * (the seed's "2023-04-23T15:05:51", or a bare date meaning midnight) it is wall-clock
 * time in the IANA zone `timeZone`; across DST an ambiguous time takes the earlier
 * instant and a skipped one moves forward by the gap. Returns null for anything that is
 * not a real ISO 8601 date/time: bad syntax, month 13, Feb 30, hour 24, leap seconds,
 * years outside 0001–9999. Fractions beyond milliseconds are truncated. An unknown
 * `timeZone` throws a RangeError (a configuration fault, not a client one).
 */
export function parseTimestamp(input: string, timeZone: string): Date | null {
  const m = ISO.exec(input);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const wall: Wall = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
    ms: Number((frac ?? '').padEnd(3, '0').slice(0, 3)),
  };
  if (wall.year < 1 || wall.month < 1 || wall.month > 12) return null;
  if (wall.day < 1 || wall.day > daysInMonth(wall.year, wall.month)) return null;
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 59) return null;

  if (zone === undefined) return new Date(zonedWallToEpoch(wall, timeZone));
  const offset = parseOffset(zone);
  if (Number.isNaN(offset)) return null;
  return new Date(wallToEpoch(wall) - offset);
}

// Outside these years toISOString writes "+010000-01-01…" or "0000-12-31…", which a client
// could not send back (the reader takes four-digit years from 0001): every timestamp the API
// takes must lie in them once converted to UTC (API.md).
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Whether a request timestamp lies in the years 1970–9999, in UTC. */
export function isInTimestampRange(date: Date): boolean {
  const t = date.getTime();
  return t >= EARLIEST && t <= LATEST;
}

/** Response form: ISO 8601 UTC with milliseconds ("2026-05-01T06:00:00.000Z"); null stays null. */
export function formatTimestamp(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}
