import { ok } from '../reply.js';
import type { CommandSpec } from '../session-handle.js';

/** NOOP (RFC 3501 6.1.2): nothing itself; the dispatcher sends what changed in the selected mailbox. */
export const noop: CommandSpec<unknown> = { state: 'any', run: () => ok('NOOP completed') };

/** CHECK (RFC 3501 6.4.1): every change is durable when acknowledged, so only the update of NOOP. */
export const check: CommandSpec<unknown> = { state: 'authenticated', run: () => ok('CHECK completed') };
