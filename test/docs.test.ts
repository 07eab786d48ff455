/**
 * Keeps the docs in step with the code: docs/errors.md with src/errors.ts, the close-code table
 * of docs/protocol.md with src/protocol/close-codes.ts, and the generated frame reference and
 * JSON Schema with src/protocol/frames.ts (run `npm run docs` after changing a schema).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  PROTOCOL_MD_PATH,
  SCHEMA_PATH,
  extractGenerated,
  generateFramesMarkdown,
  generateSchemaJson,
} from '../scripts/gen-protocol-docs.js';
import { ERRORS, ERROR_CODES, isErrorCode } from '../src/errors.js';
import {
  CLOSE_CODE_ERRORS,
  CloseCode,
  MESH_CLOSE_CODE_ERRORS,
  MeshCloseCode,
  shouldReconnect,
} from '../src/protocol/close-codes.js';

const errorsDoc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const protocolDoc = readFileSync(PROTOCOL_MD_PATH, 'utf8');

/** `### SB_ERR_…` sections of docs/errors.md, in document order, each with its body. */
function errorSections(): Array<{ code: string; body: string }> {
  const parts = errorsDoc.split(/^### (SB_ERR_[A-Z0-9_]+)[ \t]*$/m);
  const sections: Array<{ code: string; body: string }> = [];
  for (let i = 1; i < parts.length; i += 2) {
    const body = parts[i + 1]!.split(/^#{1,3} /m)[0]!;
    sections.push({ code: parts[i]!, body });
  }
  return sections;
}

/** Rows of the first table under `## Close codes` in docs/protocol.md, as trimmed cells. */
function closeCodeRows(): string[][] {
  const start = protocolDoc.search(/^## Close codes$/m);
  assert.ok(start >= 0, 'docs/protocol.md has no "## Close codes" section');
  const lines = protocolDoc.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const table: string[] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    table.push(line);
  }
  return table.slice(2).map((row) =>
    row
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim().replace(/^`|`$/g, '')),
  );
}

describe('docs/errors.md', () => {
  const sections = errorSections();
  const documented = sections.map((s) => s.code);

  test('documents every code in src/errors.ts under a ### heading', () => {
    assert.deepEqual(
      ERROR_CODES.filter((c) => !documented.includes(c)),
      [],
    );
  });

  test('documents no code that src/errors.ts does not define', () => {
    assert.deepEqual(
      documented.filter((c) => !isErrorCode(c)),
      [],
    );
  });

  test('documents each code once, in the order of src/errors.ts', () => {
    assert.deepEqual(documented, ERROR_CODES);
  });

  test('states the same retryable yes/no as src/errors.ts for every code', () => {
    for (const { code, body } of sections) {
      if (!isErrorCode(code)) continue;
      const match = /\*\*Retryable:\*\* (yes|no)\b/.exec(body);
      assert.ok(match, `${code} has no "**Retryable:** yes|no" line`);
      assert.equal(match[1] === 'yes', ERRORS[code].retryable, `${code} retryable differs`);
    }
  });

  test('names the close code of every error that closes a client connection or a mesh link', () => {
    const closing = { ...CLOSE_CODE_ERRORS, ...MESH_CLOSE_CODE_ERRORS };
    for (const [closeCode, code] of Object.entries(closing)) {
      const section = sections.find((s) => s.code === code);
      assert.ok(section, `${code} is not documented`);
      assert.match(section.body, new RegExp(`close code ${closeCode}\\b`), code);
    }
  });
});

describe('mesh close codes', () => {
  test('stand each for its own SB_ERR_MESH_ code, and every SB_ERR_MESH_ code for one of them', () => {
    const meshCodes = Object.values(MeshCloseCode).map((c) => MESH_CLOSE_CODE_ERRORS[c]);
    assert.equal(new Set(meshCodes).size, meshCodes.length);
    assert.deepEqual(
      [...meshCodes].sort(),
      ERROR_CODES.filter((c) => c.startsWith('SB_ERR_MESH_')).sort(),
    );
  });

  test('lie in the reserved range 4200-4299, apart from the client close codes', () => {
    for (const code of Object.values(MeshCloseCode)) {
      assert.ok(code >= 4200 && code <= 4299, `${code}`);
      assert.ok(!(code in CLOSE_CODE_ERRORS), `${code} is also a client close code`);
    }
  });
});

describe('docs/protocol.md close-code table', () => {
  const rows = closeCodeRows();
  const tableCodes = rows.map((r) => Number(r[0]));
  const codes = Object.values(CloseCode) as number[];

  test('lists every close code in CloseCode', () => {
    assert.deepEqual(
      codes.filter((c) => !tableCodes.includes(c)),
      [],
    );
  });

  test('lists no close code that CloseCode does not define', () => {
    assert.deepEqual(
      tableCodes.filter((c) => !codes.includes(c)),
      [],
    );
  });

  test('gives each close code its name, error code and reconnect rule from close-codes.ts', () => {
    for (const [code, name, error, reconnect] of rows) {
      const value = Number(code) as keyof typeof CLOSE_CODE_ERRORS;
      assert.equal(CloseCode[name as keyof typeof CloseCode], value, `name of ${code}`);
      assert.equal(error, CLOSE_CODE_ERRORS[value], `error code of ${code}`);
      assert.equal(reconnect, shouldReconnect(value) ? 'yes' : 'no', `reconnect of ${code}`);
    }
  });
});

describe('generated protocol docs', () => {
  test('docs/protocol.schema.json equals a fresh generation from frames.ts (run npm run docs)', () => {
    assert.equal(readFileSync(SCHEMA_PATH, 'utf8'), generateSchemaJson());
  });

  test('the generated frame reference in docs/protocol.md equals a fresh generation (run npm run docs)', async () => {
    assert.equal(extractGenerated(protocolDoc), (await generateFramesMarkdown()).trim());
  });

  test('generation is deterministic', async () => {
    assert.equal(generateSchemaJson(), generateSchemaJson());
    assert.equal(await generateFramesMarkdown(), await generateFramesMarkdown());
  });
});
