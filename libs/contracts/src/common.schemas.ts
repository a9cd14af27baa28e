import { z } from 'zod';

/** RFC 5321 mailbox, kept loose here (local parts may be quoted); lowercased domain is the caller's job. */
export const EmailAddress = z
  .string()
  .min(3)
  .max(320)
  .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must look like local@domain');
export const DomainName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i, 'must be a domain name');
export const Id = z.string().uuid();
export const IsoDate = z.string().datetime({ offset: true });
/** A blob store key: created by the writer, opaque to everyone else. */
export const BlobKey = z.string().min(1).max(512).regex(/^[A-Za-z0-9/_.-]+$/);
