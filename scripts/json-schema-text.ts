/**
 * JSON Schema nodes as short text for the generated markdown tables (docs/protocol.md,
 * docs/settings.md).
 */

export type JsonSchema = { [key: string]: unknown };

/** A short, human-readable type for a field table: `string (max 64)`, `integer ≥ 0`, `"hello"`. */
export function typeOf(node: JsonSchema): string {
  if ('const' in node) return JSON.stringify(node.const);
  if (Array.isArray(node.enum)) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(node.anyOf)) return (node.anyOf as JsonSchema[]).map(typeOf).join(' | ');
  if (Array.isArray(node.oneOf)) return (node.oneOf as JsonSchema[]).map(typeOf).join(' | ');
  switch (node.type) {
    case 'string': {
      const min = node.minLength as number | undefined;
      const max = node.maxLength as number | undefined;
      if (min !== undefined && max !== undefined) return `string (${min}-${max} chars)`;
      if (max !== undefined) return `string (max ${max} chars)`;
      if (min !== undefined) return `string (min ${min} chars)`;
      return 'string';
    }
    case 'integer':
    case 'number': {
      // Bounds of ±(2^53 - 1) only say "safe integer": leave them out.
      const bound = (n: unknown): number | undefined =>
        typeof n === 'number' && Math.abs(n) !== Number.MAX_SAFE_INTEGER ? n : undefined;
      const min = bound(node.minimum);
      const max = bound(node.maximum);
      if (min !== undefined && max !== undefined) return `${node.type} (${min}-${max})`;
      if (min !== undefined) return `${node.type} ≥ ${min}`;
      if (max !== undefined) return `${node.type} ≤ ${max}`;
      return String(node.type);
    }
    case 'array': {
      const item = typeOf((node.items ?? {}) as JsonSchema);
      const wrapped = item.includes(' ') ? `(${item})[]` : `${item}[]`;
      return node.maxItems === undefined ? wrapped : `${wrapped} (max ${Number(node.maxItems)})`;
    }
    case 'object':
    case 'boolean':
    case 'null':
      return node.type;
    default:
      return 'any';
  }
}

/** Text safe inside a markdown table cell. */
export const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
