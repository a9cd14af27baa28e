/**
 * RFC 5256 section 2.1: the "base subject" SORT and THREAD compare, with the reply/forward
 * artifacts of deployed mailers removed. Input is the subject already decoded to Unicode
 * (encoded-words converted). Works on indices over one string, never slicing in a loop, so a
 * hostile subject ("Re: " a hundred thousand times, unbalanced brackets) costs linear time.
 */
export interface BaseSubject {
  /** the base subject, white space collapsed; compare it through a collation (casemap) */
  base: string;
  /** a reply or forward: a `re:`/`fw:`/`fwd:` leader, a `(fwd)` trailer or a `[fwd: ...]` wrapper was removed */
  isReplyOrForward: boolean;
}

const isWsp = (c: number) => c === 0x20 || c === 0x09;

/** step 1 (after decoding): tabs and line breaks to spaces, runs of spaces to one */
function collapse(subject: string): string {
  let out = '';
  let space = false;
  for (let i = 0; i < subject.length; i++) {
    const c = subject.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
      space = true;
      continue;
    }
    if (space && out.length) out += ' ';
    space = false;
    out += subject[i];
  }
  return space && out.length ? out + ' ' : out;
}

const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);

export function baseSubject(subject: string | null | undefined): BaseSubject {
  const s = collapse(subject ?? '');
  let start = 0;
  let end = s.length;
  let isReplyOrForward = false;

  /** subj-blob = "[" *BLOBCHAR "]" *WSP; the index after it, or -1 */
  const blobAt = (i: number): number => {
    if (i >= end || s.charCodeAt(i) !== 0x5b) return -1;
    let j = i + 1;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === 0x5d) break;
      if (c === 0x5b) return -1;
      j++;
    }
    if (j >= end) return -1;
    j++;
    while (j < end && isWsp(s.charCodeAt(j))) j++;
    return j;
  };

  /** subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; the index after it, or -1 */
  const refwdAt = (i: number): number => {
    let j = i;
    const c0 = j < end ? lower(s.charCodeAt(j)) : -1;
    const c1 = j + 1 < end ? lower(s.charCodeAt(j + 1)) : -1;
    if (c0 === 0x72 && c1 === 0x65) j += 2; // re
    else if (c0 === 0x66 && c1 === 0x77) {
      j += 2; // fw
      if (j < end && lower(s.charCodeAt(j)) === 0x64) j++; // fwd
    } else return -1;
    while (j < end && isWsp(s.charCodeAt(j))) j++;
    const afterBlob = blobAt(j);
    if (afterBlob >= 0) j = afterBlob;
    return j < end && s.charCodeAt(j) === 0x3a ? j + 1 : -1;
  };

  for (;;) {
    // (2) trailers: "(fwd)" and white space, repeatedly
    for (;;) {
      if (end > start && isWsp(s.charCodeAt(end - 1))) end--;
      else if (end - start >= 5 && s.charCodeAt(end - 5) === 0x28 && s.slice(end - 4, end).toLowerCase() === 'fwd)') {
        end -= 5;
        isReplyOrForward = true;
      } else break;
    }
    // (3)-(5) leaders and blobs, repeatedly
    for (;;) {
      if (start < end && isWsp(s.charCodeAt(start))) {
        start++;
        continue;
      }
      // subj-leader = *subj-blob subj-refwd: scan the blobs once
      let j = start;
      let blobs = 0;
      let lastBlobStart = -1;
      for (;;) {
        const next = blobAt(j);
        if (next < 0) break;
        lastBlobStart = j;
        j = next;
        blobs++;
      }
      const afterRefwd = refwdAt(j);
      if (afterRefwd >= 0) {
        start = afterRefwd;
        isReplyOrForward = true;
        continue;
      }
      if (!blobs) break;
      // (4) each leading blob goes while something remains after it: all of them when text
      // follows, all but the last when nothing does (step 3 on what is left would only fail again)
      if (j >= end) {
        start = lastBlobStart;
        break;
      }
      start = j;
    }
    // (6) "[fwd:" ... "]" wraps a forwarded subject: unwrap and start over
    if (end - start >= 6 && s.charCodeAt(start) === 0x5b && s.slice(start + 1, start + 5).toLowerCase() === 'fwd:' && s.charCodeAt(end - 1) === 0x5d) {
      start += 5;
      end -= 1;
      isReplyOrForward = true;
      continue;
    }
    break;
  }
  return { base: s.slice(start, end), isReplyOrForward };
}

/** i;ascii-casemap (RFC 4790): ASCII letters compared as upper case, everything else as it is */
export function asciiCasemap(text: string): string {
  return text.replace(/[a-z]+/g, (run) => run.toUpperCase());
}
