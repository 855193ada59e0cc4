/**
 * The slice of JSON Schema that Volt's structured prompts use, and a validator for it. Ollama
 * constrains generation with the schema (`format`), but a model can still stop early or a server
 * can ignore `format`: every answer is checked here before anyone acts on it.
 */
export type JsonSchema =
  | { type: 'object'; properties: Record<string, JsonSchema>; required?: string[]; additionalProperties?: boolean; description?: string }
  | { type: 'array'; items: JsonSchema; maxItems?: number; description?: string }
  | { type: 'string'; enum?: string[]; maxLength?: number; description?: string }
  | { type: 'number' | 'integer'; minimum?: number; maximum?: number; description?: string }
  | { type: 'boolean'; description?: string };

/** The first way `value` breaks `schema`, as `$.path: what`; null when it fits. */
export function schemaError(value: unknown, schema: JsonSchema, path = '$'): string | null {
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path}: expected an object`;
      const obj = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in obj)) return `${path}.${key}: required`;
      for (const [key, v] of Object.entries(obj)) {
        const sub = schema.properties[key];
        if (sub === undefined) {
          if (schema.additionalProperties === false) return `${path}.${key}: not allowed`;
          continue;
        }
        if (v === null && !(schema.required ?? []).includes(key)) continue;
        const err = schemaError(v, sub, `${path}.${key}`);
        if (err) return err;
      }
      return null;
    }
    case 'array': {
      if (!Array.isArray(value)) return `${path}: expected an array`;
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return `${path}: more than ${schema.maxItems} items`;
      for (let i = 0; i < value.length; i++) {
        const err = schemaError(value[i], schema.items, `${path}[${i}]`);
        if (err) return err;
      }
      return null;
    }
    case 'string':
      if (typeof value !== 'string') return `${path}: expected a string`;
      if (schema.enum && !schema.enum.includes(value)) return `${path}: expected one of ${schema.enum.join(', ')}`;
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return `${path}: longer than ${schema.maxLength}`;
      return null;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${path}: expected a number`;
      if (schema.type === 'integer' && !Number.isInteger(value)) return `${path}: expected an integer`;
      if (schema.minimum !== undefined && value < schema.minimum) return `${path}: below ${schema.minimum}`;
      if (schema.maximum !== undefined && value > schema.maximum) return `${path}: above ${schema.maximum}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${path}: expected true or false`;
  }
}
