/**
 * Wire format of the mesh bus (peer to peer, one WebSocket per pair of nodes), version 1.
 *
 * Every WebSocket text message is one frame:
 * - control frames are JSON objects (first character `{`), validated with zod;
 * - data frames are `d<topicLength>:<topic><payload>` with the topic length in UTF-16 code
 *   units, so topics and payloads may contain any character (newlines included) and the payload
 *   needs no escaping. Payloads travel as UTF-8: a string with a lone surrogate arrives with
 *   U+FFFD in its place, as on any UTF-8 transport (the core only sends JSON, which has none).
 *
 * Handshake (both sides act at once; `dialer` opened the socket, `acceptor` accepted it):
 * 1. each side sends `hello {v, node, inst, nonce}` (a fresh 32-byte random nonce);
 * 2. on the peer's hello each side sends `auth {proof}` with
 *    proof = HMAC-SHA256(secret, JSON([tag, role, ownNode, ownInst, peerNode, ownNonce, peerNonce]));
 * 3. each side checks the peer's proof with timingSafeEqual before it accepts any other frame.
 * The proof binds the prover's role and id and both fresh nonces, so a proof cannot be replayed,
 * reflected back to its author, or relayed from an accepted socket into a dialled one.
 * After the handshake the lower node id of the pair sends `active` (see MeshBus), then both
 * sides send their full topic set (`interest`) and from then on `sub`/`unsub` deltas.
 * A link closes with a MeshCloseCode (src/protocol/close-codes.ts), its error code as reason.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const MESH_PROTOCOL_VERSION = 1;

const PROOF_TAG = 'switchboard-mesh-proof/1';

const nodeId = z.string().min(1).max(256);
const topic = z.string().max(1024);
const ackId = z.number().int().nonnegative().safe();

export const ControlFrame = z.discriminatedUnion('t', [
  z.strictObject({
    t: z.literal('hello'),
    v: z.number().int(),
    node: nodeId,
    inst: z.string().min(1).max(64),
    nonce: z.string().length(44), // base64 of 32 bytes
  }),
  z.strictObject({ t: z.literal('auth'), proof: z.string().length(44) }),
  z.strictObject({ t: z.literal('active') }),
  z.strictObject({ t: z.literal('interest'), topics: z.array(topic), id: ackId }),
  z.strictObject({ t: z.literal('sub'), topic, id: ackId }),
  z.strictObject({ t: z.literal('unsub'), topic }),
  z.strictObject({ t: z.literal('ack'), id: ackId }),
]);

export type ControlFrame = z.infer<typeof ControlFrame>;

/** Parses a control frame; null when it is not valid JSON or not a known frame. */
export function parseControl(text: string): ControlFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = ControlFrame.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function encodeControl(frame: ControlFrame): string {
  return JSON.stringify(frame);
}

export function encodeData(topicName: string, payload: string): string {
  return `d${topicName.length}:${topicName}${payload}`;
}

/** Splits a data frame; null when the header is malformed. */
export function decodeData(text: string): { topic: string; payload: string } | null {
  const colon = text.indexOf(':', 1);
  if (colon < 2 || colon > 8) return null;
  const header = text.slice(1, colon);
  if (!/^\d+$/.test(header)) return null;
  const length = Number(header);
  const start = colon + 1;
  if (start + length > text.length) return null;
  return { topic: text.slice(start, start + length), payload: text.slice(start + length) };
}

export function newNonce(): string {
  return randomBytes(32).toString('base64');
}

export type Role = 'dialer' | 'acceptor';

export interface ProofInput {
  role: Role;
  node: string;
  inst: string;
  peerNode: string;
  nonce: string;
  peerNonce: string;
}

/** The proof `input.node` sends (from its own point of view). */
export function computeProof(secret: string, input: ProofInput): Buffer {
  const message = JSON.stringify([
    PROOF_TAG,
    input.role,
    input.node,
    input.inst,
    input.peerNode,
    input.nonce,
    input.peerNonce,
  ]);
  return createHmac('sha256', secret).update(message).digest();
}

/** Constant-time check of a received base64 proof against the expected one. */
export function proofMatches(expected: Buffer, received: string): boolean {
  const got = Buffer.from(received, 'base64');
  return got.length === expected.length && timingSafeEqual(got, expected);
}
