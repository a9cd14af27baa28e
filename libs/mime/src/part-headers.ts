import type { MimePart } from '@mail/contracts';
import { firstField, type HeaderField } from './header-block.js';
import { parseStructuredHeader, stripComments } from './structured-header.js';

/** The MIME fields of a part, without offsets, sizes or children. */
export type PartFields = Pick<
  MimePart,
  'type' | 'subtype' | 'params' | 'id' | 'description' | 'encoding' | 'md5' | 'disposition' | 'language' | 'location'
>;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A part's default type: text/plain, or message/rfc822 inside multipart/digest (RFC 2046 5.1.5). */
export type DefaultType = 'text/plain' | 'message/rfc822';

function contentType(fields: HeaderField[], fallback: DefaultType): Pick<PartFields, 'type' | 'subtype' | 'params'> {
  // the first well-formed Content-Type wins; a malformed one counts as absent (RFC 2045 5.2)
  for (const f of fields) {
    if (f.name !== 'content-type') continue;
    const parsed = parseStructuredHeader(f.value);
    const slash = parsed.value.indexOf('/');
    if (slash < 0) continue;
    const type = parsed.value.slice(0, slash).trim();
    const subtype = parsed.value.slice(slash + 1).trim();
    if (!TOKEN.test(type) || !TOKEN.test(subtype)) continue;
    return { type, subtype, params: parsed.params };
  }
  return fallback === 'text/plain'
    ? { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] }
    : { type: 'message', subtype: 'rfc822', params: [] };
}

function nullIfEmpty(v: string | null): string | null {
  return v === null || v === '' ? null : v;
}

export function describePart(fields: HeaderField[], fallback: DefaultType): PartFields {
  const ct = contentType(fields, fallback);
  const cte = stripComments(firstField(fields, 'content-transfer-encoding') ?? '');
  const disp = firstField(fields, 'content-disposition');
  let disposition: PartFields['disposition'] = null;
  if (disp !== null) {
    const parsed = parseStructuredHeader(disp);
    if (parsed.value) disposition = { type: parsed.value, params: parsed.params };
  }
  const lang = firstField(fields, 'content-language');
  const language = lang === null ? [] : stripComments(lang).split(',').map((s) => s.trim()).filter(Boolean);
  return {
    ...ct,
    id: nullIfEmpty(firstField(fields, 'content-id')),
    description: nullIfEmpty(firstField(fields, 'content-description')),
    encoding: cte && TOKEN.test(cte) ? cte : '7bit',
    md5: nullIfEmpty(firstField(fields, 'content-md5')),
    disposition,
    language: language.length > 0 ? language : null,
    location: nullIfEmpty(firstField(fields, 'content-location')),
  };
}

export function paramValue(params: [string, string][], name: string): string | null {
  for (const [k, v] of params) if (k.toLowerCase() === name) return v;
  return null;
}
