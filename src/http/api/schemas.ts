/** Schemas several endpoint files share: the `as` query, handles, room names, pages. */
import { z } from 'zod';

export const handle = z.string().max(32).describe('Handle: 1-32 of a-z 0-9 _ . - (case-folded)');

export const asQuery = z.object({
  as: handle
    .optional()
    .describe(
      'The user the call acts as (their room roles apply). Absent: the key\u2019s creator, with ' +
        'their server roles (a server admin).',
    ),
});

export const duration = z
  .number()
  .int()
  .min(1)
  .max(10 * 365 * 86_400)
  .optional()
  .describe('Seconds until it ends by itself; absent: until lifted.');

export const reason = z.string().max(500).optional().describe('Why; kept in the audit log.');

export const limitQuery = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).optional().describe(`Page size, default ${fallback}.`);

export const seqParam = (raw: string): number => {
  const seq = Number(raw);
  return Number.isSafeInteger(seq) && seq >= 1 ? seq : -1;
};
