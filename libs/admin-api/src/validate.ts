import { ContractError } from '@mail/contracts';
import type { z } from 'zod';

/** Validates at the edge so a bad request gets a 400 naming the field, before any bus round trip. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new ContractError('INVALID', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}
