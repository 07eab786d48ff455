/**
 * `npm run docs`: regenerates docs/protocol.schema.json and the frame reference in
 * docs/protocol.md (between the GENERATED FRAMES markers) from the zod schemas in
 * src/protocol/frames.ts. Output is deterministic, so test/docs.test.ts can compare the committed
 * files with a fresh generation. The markdown goes through Prettier with the repository's
 * settings so `prettier --check` and this generator never disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { z } from 'zod';
import * as frames from '../src/protocol/frames.js';
import { cell, typeOf, type JsonSchema } from './json-schema-text.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../docs/protocol.schema.json', import.meta.url));
export const PROTOCOL_MD_PATH = fileURLToPath(new URL('../docs/protocol.md', import.meta.url));
export const BEGIN_MARKER = '<!-- BEGIN GENERATED FRAMES -->';
export const END_MARKER = '<!-- END GENERATED FRAMES -->';

interface NamedFrame {
  /** The export name in frames.ts, e.g. HelloFrame. */
  name: string;
  /** The `type` discriminator, e.g. hello. */
  type: string;
  schema: z.ZodObject;
}

/** The members of a frame union, named after their exports in frames.ts, in union order. */
function namedFrames(union: { options: readonly z.ZodObject[] }): NamedFrame[] {
  const exports = Object.entries(frames);
  return union.options.map((schema) => {
    const name = exports.find(([, value]) => value === schema)?.[0];
    if (!name) throw new Error('every frame in a union must be exported from frames.ts');
    const type = (schema.shape.type as z.ZodLiteral<string>).value;
    return { name, type, schema };
  });
}

const CLIENT = namedFrames(frames.ClientFrame);
const SERVER = namedFrames(frames.ServerFrame);

function withoutDialect(schema: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema' && k !== '$id'));
}

/** docs/protocol.schema.json: ClientFrame, ServerFrame and every frame under `$defs`. */
export function generateSchemaJson(): string {
  const registry = z.registry<{ id: string }>();
  registry.add(frames.ClientFrame, { id: 'ClientFrame' });
  registry.add(frames.ServerFrame, { id: 'ServerFrame' });
  for (const frame of [...CLIENT, ...SERVER]) registry.add(frame.schema, { id: frame.name });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/$defs/${id}` });
  const ids = [
    'ClientFrame',
    'ServerFrame',
    ...CLIENT.map((f) => f.name),
    ...SERVER.map((f) => f.name),
  ];
  const $defs = Object.fromEntries(
    ids.map((id) => [id, withoutDialect(schemas[id] as JsonSchema)]),
  );
  const document = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `Switchboard protocol ${frames.PROTOCOL_VERSION}`,
    description:
      'Generated from src/protocol/frames.ts by `npm run docs`; do not edit. A client sends ' +
      'ClientFrame, a server sends ServerFrame.',
    anyOf: [{ $ref: '#/$defs/ClientFrame' }, { $ref: '#/$defs/ServerFrame' }],
    $defs,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function frameSection(frame: NamedFrame): string {
  const schema = withoutDialect(z.toJSONSchema(frame.schema));
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(properties).map(([field, node]) => {
    const description = typeof node.description === 'string' ? node.description : '';
    return `| \`${field}\` | \`${cell(typeOf(node))}\` | ${required.has(field) ? 'yes' : 'no'} | ${cell(description)} |`;
  });
  return [
    `#### \`${frame.type}\`: ${frame.name}`,
    typeof schema.description === 'string' ? schema.description : '',
    ['| Field | Type | Required | Description |', '| --- | --- | --- | --- |', ...rows].join('\n'),
    `\`\`\`json\n${JSON.stringify(schema, null, 2)}\n\`\`\``,
  ].join('\n\n');
}

/** The markdown between the markers in docs/protocol.md, without the markers. */
export async function generateFramesMarkdown(): Promise<string> {
  const markdown = [
    '_Generated from `src/protocol/frames.ts` by `npm run docs`; edit the schemas, not this section._',
    '### Client to server',
    ...CLIENT.map(frameSection),
    '### Server to client',
    ...SERVER.map(frameSection),
  ].join('\n\n');
  const config = (await prettier.resolveConfig(PROTOCOL_MD_PATH)) ?? {};
  return prettier.format(markdown, { ...config, parser: 'markdown' });
}

/** The generated section of a protocol.md text, trimmed; throws when a marker is missing. */
export function extractGenerated(doc: string): string {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 || end < begin) {
    throw new Error(`docs/protocol.md needs ${BEGIN_MARKER} followed by ${END_MARKER}`);
  }
  return doc.slice(begin + BEGIN_MARKER.length, end).trim();
}

/** `doc` with the text between the markers replaced by `generated`. */
export function replaceGenerated(doc: string, generated: string): string {
  extractGenerated(doc);
  const before = doc.slice(0, doc.indexOf(BEGIN_MARKER) + BEGIN_MARKER.length);
  const after = doc.slice(doc.indexOf(END_MARKER));
  return `${before}\n\n${generated.trim()}\n\n${after}`;
}

async function main(): Promise<void> {
  writeFileSync(SCHEMA_PATH, generateSchemaJson());
  const doc = readFileSync(PROTOCOL_MD_PATH, 'utf8');
  writeFileSync(PROTOCOL_MD_PATH, replaceGenerated(doc, await generateFramesMarkdown()));
  console.log('wrote docs/protocol.schema.json and the frame reference in docs/protocol.md');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
