import { z } from 'zod';

/**
 * What the store computes once per message (libs/mime parses it at append time) so that IMAP
 * FETCH never parses a blob. Header values are kept raw (encoded-words intact) because IMAP's
 * ENVELOPE and BODYSTRUCTURE return them that way.
 */
export const EnvelopeAddress = z.object({
  name: z.string().nullable(),
  /** source route, practically always null */
  adl: z.string().nullable(),
  mailbox: z.string().nullable(),
  host: z.string().nullable(),
});
export type EnvelopeAddress = z.infer<typeof EnvelopeAddress>;

export const Envelope = z.object({
  date: z.string().nullable(),
  subject: z.string().nullable(),
  from: z.array(EnvelopeAddress).nullable(),
  sender: z.array(EnvelopeAddress).nullable(),
  replyTo: z.array(EnvelopeAddress).nullable(),
  to: z.array(EnvelopeAddress).nullable(),
  cc: z.array(EnvelopeAddress).nullable(),
  bcc: z.array(EnvelopeAddress).nullable(),
  inReplyTo: z.string().nullable(),
  messageId: z.string().nullable(),
});
export type Envelope = z.infer<typeof Envelope>;

/** [name, value] pairs, order kept (IMAP prints parameters in the order they came). */
export const ParamList = z.array(z.tuple([z.string(), z.string()]));

export interface MimePart {
  /** e.g. "text", "multipart"; as the message spelled it */
  type: string;
  subtype: string;
  params: [string, string][];
  id: string | null;
  description: string | null;
  /** Content-Transfer-Encoding, default "7bit" */
  encoding: string;
  /** octets of the body (after the blank line) */
  size: number;
  /** lines of the body: for text/* and message/rfc822 */
  lines: number | null;
  md5: string | null;
  disposition: { type: string; params: [string, string][] } | null;
  language: string[] | null;
  location: string | null;
  /** byte offsets in the raw message: header start, body start (after the blank line), body end */
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
  /** multipart children */
  parts?: MimePart[];
  /** message/rfc822: the encapsulated message's envelope and body structure */
  message?: { envelope: Envelope; body: MimePart };
}

export const MimePart: z.ZodType<MimePart> = z.lazy(() =>
  z.object({
    type: z.string(),
    subtype: z.string(),
    params: ParamList,
    id: z.string().nullable(),
    description: z.string().nullable(),
    encoding: z.string(),
    size: z.number().int().nonnegative(),
    lines: z.number().int().nonnegative().nullable(),
    md5: z.string().nullable(),
    disposition: z.object({ type: z.string(), params: ParamList }).nullable(),
    language: z.array(z.string()).nullable(),
    location: z.string().nullable(),
    headerStart: z.number().int().nonnegative(),
    bodyStart: z.number().int().nonnegative(),
    bodyEnd: z.number().int().nonnegative(),
    parts: z.array(MimePart).optional(),
    message: z.object({ envelope: Envelope, body: MimePart }).optional(),
  }),
);

/** The full index of one message, as libs/mime produces it. */
export const MessageIndex = z.object({
  size: z.number().int().nonnegative(),
  /** offset of the body of the top-level message (= length of the header block incl. blank line) */
  headerSize: z.number().int().nonnegative(),
  envelope: Envelope,
  body: MimePart,
  /** decoded header fields for SEARCH HEADER/FROM/TO/SUBJECT..., lowercased names */
  headers: z.array(z.tuple([z.string(), z.string()])),
  /** decoded text of the text/* parts, capped, for SEARCH BODY/TEXT */
  text: z.string(),
  /** parsed Date: header as ISO, for SEARCH SENTBEFORE/SENTON/SENTSINCE */
  sentDate: z.string().nullable(),
});
export type MessageIndex = z.infer<typeof MessageIndex>;

/**
 * Whoever writes a blob while reading it from a client (smtp-in) can index it on the way and hand
 * the index along with the message, so that the store need not read the blob back and parse it
 * again (ADR 0007). It travels as one JSON string: validated once where it is used, opaque on the
 * way. Optional everywhere: absent, oversized or unusable, the store reads and parses the blob as
 * it always could.
 */
export const CARRIED_INDEX_MAX_CHARS = 64 * 1024;
export const CarriedIndex = z.string().max(CARRIED_INDEX_MAX_CHARS);

/**
 * The indexes this process encoded last, by their JSON: when the same process decodes one (IMAP
 * APPEND in `access`, ADR 0063; the embedded platform, where every service shares one process) it
 * gets the object back without parsing and validating the JSON again (ADR 0069). An entry is only
 * ever what this process's own indexer produced, so it needs no validation; a string this process
 * did not encode lately (from another process over the bus, a queue row) is parsed as before, and
 * one equal to a string encoded here gets what parsing it would give. Bounded by entries and
 * characters, oldest first out.
 */
const encodedHere = new Map<string, MessageIndex>();
let encodedChars = 0;
const ENCODED_MAX_ENTRIES = 32;
const ENCODED_MAX_CHARS = 1024 * 1024;

/** The index as carried, or undefined when it is too large to carry (the store then parses the blob). */
export function encodeCarriedIndex(index: MessageIndex): string | undefined {
  const json = JSON.stringify(index);
  if (json.length > CARRIED_INDEX_MAX_CHARS) return undefined;
  if (!encodedHere.has(json)) {
    encodedHere.set(json, index);
    encodedChars += json.length;
    for (const [oldest] of encodedHere) {
      if (encodedHere.size <= ENCODED_MAX_ENTRIES && encodedChars <= ENCODED_MAX_CHARS) break;
      encodedHere.delete(oldest);
      encodedChars -= oldest.length;
    }
  }
  return json;
}

/** The carried index if it is well-formed and describes a blob of `size` bytes; null otherwise. */
export function decodeCarriedIndex(carried: string, size: number): MessageIndex | null {
  const mine = encodedHere.get(carried);
  if (mine) return mine.size === size ? mine : null;
  let value: unknown;
  try {
    value = JSON.parse(carried);
  } catch {
    return null;
  }
  const parsed = MessageIndex.safeParse(value);
  return parsed.success && parsed.data.size === size ? parsed.data : null;
}
