/**
 * Timestamp reading for candle files, by hand rather than by regex or `Date.parse`: it runs once
 * per row of files with millions of rows, and `Date.parse` guesses (local time, US dates) where a
 * backtest needs one answer. Times without a zone are read as UTC.
 *
 * Accepted: ISO dates and date-times (`2024-01-31`, `2024-01-31T09:30:00Z`, `2024-01-31 09:30`,
 * `+02:00` offsets, `/` or `.` as date separators), `YYYYMMDD`, `YYYYMMDDHHMMSS`, and epoch
 * numbers whose unit is told by their size (seconds, milliseconds, microseconds, nanoseconds).
 */

const DIGIT_0 = 48;
const DIGIT_9 = 57;

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/** The integer made of `count` digits from `at`, or -1 when one of them is not a digit. */
function digitsAt(s: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = s.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - DIGIT_0);
  }
  return value;
}

function validDate(y: number, m: number, d: number): boolean {
  return y >= 1000 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

function trimmed(s: string): string {
  return s.length > 0 && (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) ? s.trim() : s;
}

/** Epoch number → ms: the size tells the unit (a second count reaches 1e11 only in the year 5138). */
export function epochToMs(n: number): number {
  const a = Math.abs(n);
  if (a >= 1e17) return Math.round(n / 1e6);
  if (a >= 1e14) return Math.round(n / 1e3);
  if (a >= 1e11) return n;
  return n * 1000;
}

/**
 * Milliseconds since midnight for `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff`, or bare `HHMM`/`HHMMSS`
 * (the form split Time columns use); NaN otherwise. `requireColon` refuses the bare forms, for
 * guessing whether an unnamed field is a time.
 */
export function parseTimeOfDay(raw: string, requireColon = false): number {
  const s = trimmed(raw);
  return timeOfDayAt(s, 0, s.length, requireColon);
}

function timeOfDayAt(s: string, at: number, end: number, requireColon: boolean): number {
  let hh: number;
  let mm: number;
  let ss = 0;
  let ms = 0;
  let i = at;
  if (s.charCodeAt(i + 2) === 58 /* : */ || s.charCodeAt(i + 1) === 58) {
    const hourDigits = s.charCodeAt(i + 1) === 58 ? 1 : 2;
    hh = digitsAt(s, i, hourDigits);
    i += hourDigits + 1;
    mm = digitsAt(s, i, 2);
    i += 2;
    if (s.charCodeAt(i) === 58) {
      ss = digitsAt(s, i + 1, 2);
      i += 3;
      if (s.charCodeAt(i) === 46 /* . */ || s.charCodeAt(i) === 44 /* , */) {
        i++;
        let scale = 100;
        while (i < end && isDigit(s.charCodeAt(i))) {
          ms += (s.charCodeAt(i) - DIGIT_0) * scale;
          scale /= 10;
          i++;
        }
        ms = Math.round(ms);
      }
    }
  } else {
    if (requireColon) return NaN;
    const len = end - at;
    if (len !== 4 && len !== 6) return NaN;
    hh = digitsAt(s, i, 2);
    mm = digitsAt(s, i + 2, 2);
    if (len === 6) ss = digitsAt(s, i + 4, 2);
    i = end;
  }
  if (i !== end || hh < 0 || hh > 24 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return NaN;
  return ((hh * 60 + mm) * 60 + ss) * 1000 + ms;
}

/** Epoch ms of a date without a time (`2024-01-31`, `2024/01/31`, `20240131`) at 00:00 UTC; NaN otherwise. */
export function parseDateOnly(raw: string): number {
  const s = trimmed(raw);
  if (s.length === 8) {
    const y = digitsAt(s, 0, 4);
    const m = digitsAt(s, 4, 2);
    const d = digitsAt(s, 6, 2);
    return y >= 0 && m >= 0 && d >= 0 && validDate(y, m, d) ? Date.UTC(y, m - 1, d) : NaN;
  }
  if (s.length !== 10) return NaN;
  const sep = s.charCodeAt(4);
  if ((sep !== 45 && sep !== 47 && sep !== 46) || s.charCodeAt(7) !== sep) return NaN;
  const y = digitsAt(s, 0, 4);
  const m = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  return y >= 0 && m >= 0 && d >= 0 && validDate(y, m, d) ? Date.UTC(y, m - 1, d) : NaN;
}

/** Epoch ms UTC of a timestamp field in any accepted form (see the file comment); NaN when unreadable. */
export function parseTimestamp(raw: string): number {
  const s = trimmed(raw);
  const n = s.length;
  if (n === 0) return NaN;
  let allDigits = true;
  for (let i = 0; i < n; i++) {
    if (!isDigit(s.charCodeAt(i))) {
      allDigits = false;
      break;
    }
  }
  if (allDigits) {
    if (n === 8) return parseDateOnly(s);
    if (n === 14) {
      const y = digitsAt(s, 0, 4);
      const m = digitsAt(s, 4, 2);
      const d = digitsAt(s, 6, 2);
      const t = timeOfDayAt(s, 8, 14, false);
      if (validDate(y, m, d) && t === t) return Date.UTC(y, m - 1, d) + t;
    }
    return epochToMs(Number(s));
  }
  const first = s.charCodeAt(0);
  if (first === 45 /* - */ || first === 46 /* . */ || (isDigit(first) && s.charCodeAt(4) !== 45 && s.charCodeAt(4) !== 47 && s.charCodeAt(4) !== 46)) {
    // A signed or fractional epoch number, e.g. 1515560100.5
    const v = Number(s);
    return Number.isFinite(v) ? epochToMs(v) : NaN;
  }
  if (n < 10) return NaN;
  const day = parseDateOnly(s.slice(0, 10));
  if (day !== day) return NaN;
  if (n === 10) return day;
  const joiner = s.charCodeAt(10);
  if (joiner !== 84 /* T */ && joiner !== 32 /* space */ && joiner !== 116 /* t */) return NaN;
  // The time runs until a zone designator: Z, +HH:MM, -HH:MM, +HHMM, or a trailing ' UTC'/' GMT'.
  let end = n;
  let offsetMs = 0;
  const last = s.charCodeAt(n - 1);
  if (last === 90 /* Z */ || last === 122 /* z */) {
    end = n - 1;
  } else if (s.endsWith(' UTC') || s.endsWith(' GMT')) {
    end = n - 4;
  } else {
    for (let i = n - 1; i > 11; i--) {
      const code = s.charCodeAt(i);
      if (code === 43 /* + */ || code === 45 /* - */) {
        const zone = s.slice(i + 1);
        const zh = digitsAt(zone, 0, 2);
        const zm = zone.length === 5 && zone.charCodeAt(2) === 58 ? digitsAt(zone, 3, 2) : zone.length === 4 ? digitsAt(zone, 2, 2) : zone.length === 2 ? 0 : -1;
        if (zh < 0 || zm < 0) return NaN;
        offsetMs = (zh * 60 + zm) * 60_000 * (code === 43 ? 1 : -1);
        end = i;
        break;
      }
    }
  }
  const t = timeOfDayAt(s, 11, end, true);
  return t === t ? day + t - offsetMs : NaN;
}

/**
 * `2017-11-12 08:00` for messages: seconds and milliseconds only when not zero, and the clock
 * left out only when asked (`dateOnly`, for files of daily bars).
 */
export function formatTime(ms: number, dateOnly = false): string {
  if (!Number.isFinite(ms)) return String(ms);
  const iso = new Date(ms).toISOString();
  const date = iso.slice(0, 10);
  if (dateOnly && ms % 86_400_000 === 0) return date;
  if (ms % 60_000 === 0) return `${date} ${iso.slice(11, 16)}`;
  if (ms % 1000 === 0) return `${date} ${iso.slice(11, 19)}`;
  return `${date} ${iso.slice(11, 23)}`;
}

/** 3541 minutes → '2d 11h 1m', for gap sizes in messages. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length > 0 ? parts.join(' ') : `${ms}ms`;
}
