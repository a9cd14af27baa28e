import { z } from 'zod';

/** RFC 3461 NOTIFY: NEVER alone, or any of SUCCESS, FAILURE, DELAY. */
export const DsnNotify = z
  .array(z.enum(['NEVER', 'SUCCESS', 'FAILURE', 'DELAY']))
  .min(1)
  .max(3)
  .refine((n) => !n.includes('NEVER') || n.length === 1, 'NEVER cannot be combined')
  .refine((n) => new Set(n).size === n.length, 'repeated NOTIFY value');
export type DsnNotify = z.infer<typeof DsnNotify>;

/** What one RCPT TO said beyond the address, and what smtp-in decided for that recipient. */
export const RecipientParams = z.object({
  /** RFC 3461 NOTIFY; absent: the default (failures, and delays at the MTA's discretion) */
  notify: DsnNotify.optional(),
  /** RFC 3461 ORCPT as given: `addr-type;xtext-decoded original recipient` (e.g. `rfc822;a@b.example`) */
  orcpt: z.string().min(3).max(500).optional(),
  /** the sender domain's DMARC policy said quarantine: deliver to the mailbox with special-use \Junk */
  junk: z.boolean().optional(),
});
export type RecipientParams = z.infer<typeof RecipientParams>;

/**
 * The ESMTP parameters of a transaction that travel with the message (delivery.enqueue.v1 → the
 * queue row): bounces honour the DSN ones (RFC 3461), the next hop must offer REQUIRETLS
 * (RFC 8689) and SMTPUTF8 (RFC 6531) when set. Everything is optional: absent means the RFC default.
 */
export const EnvelopeParams = z.object({
  /** RFC 3461 RET: return the full message or only its headers in a failure DSN */
  ret: z.enum(['FULL', 'HDRS']).optional(),
  /** RFC 3461 ENVID, xtext-decoded: printable ASCII, at most 100 characters */
  envid: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\x20-\x7e]+$/)
    .optional(),
  /** RFC 8689 REQUIRETLS: every hop must use TLS, or the message bounces */
  requireTls: z.boolean().optional(),
  /** RFC 6531 SMTPUTF8: the envelope or headers carry UTF-8 */
  smtpUtf8: z.boolean().optional(),
  /** RFC 6152 / RFC 3030 BODY */
  body: z.enum(['7BIT', '8BITMIME', 'BINARYMIME']).optional(),
  /** per recipient, keyed by the address exactly as in the request's `recipients` */
  recipients: z.record(z.string().max(320), RecipientParams).optional(),
});
export type EnvelopeParams = z.infer<typeof EnvelopeParams>;
