/**
 * A small JSON parser that remembers where each property was written, so a wrong setting in
 * volt.config.json is reported on its own line rather than as "position 312". Strict JSON only,
 * like JSON.parse; errors carry the offset of the offending character.
 */

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface LocatedJson {
  value: unknown;
  /** Offset of each property's key, by dotted path ('risk.maxPositionPct'); '' is the root value. */
  offsets: Map<string, number>;
}

export function parseLocatedJson(text: string): LocatedJson {
  const offsets = new Map<string, number>();
  let i = 0;

  const fail = (what: string): never => {
    if (i >= text.length) throw new JsonSyntaxError(`unexpected end of file, expected ${what}`, text.length);
    throw new JsonSyntaxError(`unexpected ${JSON.stringify(text[i])}, expected ${what}`, i);
  };
  const skipSpace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('a closing quote before the end of the line');
      i++;
    }
    if (i >= text.length) {
      i = start;
      throw new JsonSyntaxError('unterminated string', start);
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      throw new JsonSyntaxError('invalid escape in string', start);
    }
  };

  const parseValue = (path: string): unknown => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      skipSpace();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipSpace();
        if (text[i] !== '"') fail('a property name in double quotes');
        const keyAt = i;
        const key = readString();
        const childPath = path === '' ? key : `${path}.${key}`;
        offsets.set(childPath, keyAt);
        skipSpace();
        if (text[i] !== ':') fail("':' after the property name");
        i++;
        obj[key] = parseValue(childPath);
        skipSpace();
        if (text[i] === ',') {
          i++;
          skipSpace();
          if (text[i] === '}') fail('another property (JSON allows no trailing comma)');
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      skipSpace();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(`${path}[${arr.length}]`));
        skipSpace();
        if (text[i] === ',') {
          i++;
          skipSpace();
          if (text[i] === ']') fail('another value (JSON allows no trailing comma)');
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("',' or ']'");
      }
    }
    if (c === '"') return readString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (literal) {
      i += literal[0].length;
      return JSON.parse(literal[0]) as unknown;
    }
    return fail('a value');
  };

  offsets.set('', 0);
  skipSpace();
  const value = parseValue('');
  skipSpace();
  if (i < text.length) fail('the end of the file');
  return { value, offsets };
}
