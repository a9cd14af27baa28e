import { collapseWhitespace, type Envelope, type MessageIndex, type MimePart } from '@mail/contracts';
import { decodeWords } from './encoded-words.js';
import { parseMailDate } from './date-header.js';
import { buildEnvelope } from './envelope.js';
import { firstField, parseHeaderBlock } from './header-block.js';
import { MAX_BOUNDARY_LENGTH, MAX_BOUNDARY_LINE, resolveLimits, type IndexOptions, type Limits } from './limits.js';
import { describePart, paramValue, type DefaultType } from './part-headers.js';
import { TextSink } from './text-sink.js';
import { trimBlanks } from './trim-blanks.js';

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const CR_BYTE = Buffer.from([CR]);
const CRLF = Buffer.from('\r\n');
const LF_BYTE = Buffer.from('\n');

interface Frame {
  part: MimePart;
  depth: number;
  headersDone: boolean;
  headerChunks: Buffer[];
  headerLen: number;
  kind: 'leaf' | 'multipart' | 'message';
  defaultType: DefaultType;
  /** "--" + boundary */
  boundary: Buffer | null;
  epilogue: boolean;
  lfAtBodyStart: number;
  text: TextSink | null;
  /** terminator of the last body line: content unless a boundary line follows (RFC 2046 5.1.1) */
  termPending: Buffer | null;
  /** set on the root frame of an encapsulated message: the message/rfc822 part holding it */
  messageOf: MimePart | null;
  isTop: boolean;
}

function emptyPart(start: number, defaultType: DefaultType): MimePart {
  const [type, subtype] = defaultType.split('/') as [string, string];
  return {
    type,
    subtype,
    params: defaultType === 'text/plain' ? [['charset', 'us-ascii']] : [],
    id: null,
    description: null,
    encoding: '7bit',
    size: 0,
    lines: null,
    md5: null,
    disposition: null,
    language: null,
    location: null,
    headerStart: start,
    bodyStart: start,
    bodyEnd: start,
  };
}

const NO_ENVELOPE: Envelope = {
  date: null, subject: null, from: null, sender: null, replyTo: null,
  to: null, cc: null, bcc: null, inReplyTo: null, messageId: null,
};

/**
 * The synchronous core of the indexer: feed it the raw message in chunks of any size, then call
 * end(). It looks at one line at a time and keeps only the current part's headers, the stack of
 * open parts and a bounded amount of decoded text, so memory does not grow with the message.
 */
export class MimeScanner {
  private readonly limits: Limits;
  private pos = 0;
  private lfCount = 0;
  private lastByte = -1;

  // the line being read
  private lineLen = 0;
  private lineLastByte = -1;
  private lfAtLineStart = 0;
  private held: Buffer[] = [];
  /** the line cannot be a boundary line, its bytes go straight to the current part */
  private decided = false;
  private begun = false;
  private pendingCR = false;

  // the line before it
  private prevTermStart = -1;
  private prevLineLastByte = -1;

  private readonly stack: Frame[] = [];
  private readonly root: Frame;
  private partCount = 1;
  private openBoundaries = 0;
  private readonly texts: string[] = [];
  private textChars = 0;
  private cut = false;
  private headers: [string, string][] = [];
  private envelope: Envelope = NO_ENVELOPE;
  private sentDate: string | null = null;
  private result: MessageIndex | null = null;

  /**
   * Whether the header bytes or the decoded text kept for this index were cut by their limits
   * (maxHeaderBytes, maxTextChars). When they were not, scanners with larger content limits (and
   * the same structure limits) produce the same index: that is what lets a sender scan with small
   * limits and hand the index on only when nothing was cut (ADR 0007).
   */
  get cutByLimits(): boolean {
    return this.cut;
  }

  constructor(opts?: IndexOptions) {
    this.limits = resolveLimits(opts);
    this.root = this.newFrame(0, 0, 'text/plain', null);
    this.root.isTop = true;
    this.stack.push(this.root);
  }

  write(chunk: Uint8Array): void {
    if (this.result) throw new Error('MimeScanner: write after end');
    const base = this.pos;
    let i = 0;
    if (this.pendingCR && chunk.length > 0) {
      this.pendingCR = false;
      if (chunk[0] === LF) {
        this.endLine(base - 1, 2);
        i = 1;
      } else {
        this.content(CR_BYTE);
      }
    }
    while (i < chunk.length) {
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) {
        let end = chunk.length;
        // a CR at the end of a chunk may be half of a CRLF: decide when the next byte comes
        if (chunk[end - 1] === CR) {
          end--;
          this.pendingCR = true;
        }
        if (end > i) this.content(chunk.subarray(i, end));
        break;
      }
      let end = lf;
      const crlf = end > i && chunk[end - 1] === CR;
      if (crlf) end--;
      if (end > i) this.content(chunk.subarray(i, end));
      this.endLine(base + end, crlf ? 2 : 1);
      i = lf + 1;
    }
    this.pos = base + chunk.length;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
  }

  end(): MessageIndex {
    if (this.result) return this.result;
    if (this.pendingCR) {
      this.pendingCR = false;
      this.content(CR_BYTE);
    }
    if (this.lineLen > 0) this.endLine(this.pos, 0);
    for (let f = this.stack.pop(); f; f = this.stack.pop()) this.closeFrame(f, false);
    let text = this.texts.join('\n');
    if (text.length > this.limits.maxTextChars) {
      text = text.slice(0, this.limits.maxTextChars);
      this.cut = true;
    }
    this.result = {
      size: this.pos,
      headerSize: this.root.part.bodyStart,
      envelope: this.envelope,
      body: this.root.part,
      headers: this.headers,
      text,
      sentDate: this.sentDate,
    };
    return this.result;
  }

  private newFrame(headerStart: number, depth: number, defaultType: DefaultType, messageOf: MimePart | null): Frame {
    return {
      part: emptyPart(headerStart, defaultType),
      depth,
      headersDone: false,
      headerChunks: [],
      headerLen: 0,
      kind: 'leaf',
      defaultType,
      boundary: null,
      epilogue: false,
      lfAtBodyStart: 0,
      text: null,
      termPending: null,
      messageOf,
      isTop: false,
    };
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1];
  }

  private content(buf: Uint8Array): void {
    const offset = this.lineLen;
    this.lineLen += buf.length;
    this.lineLastByte = buf[buf.length - 1];
    if (this.decided) {
      this.deliver(buf);
      return;
    }
    let maybe = this.openBoundaries > 0 && this.lineLen <= MAX_BOUNDARY_LINE;
    if (maybe && offset === 0 && buf[0] !== DASH) maybe = false;
    if (maybe && offset <= 1 && buf.length > 1 - offset && buf[1 - offset] !== DASH) maybe = false;
    if (maybe) {
      // copied: the caller may reuse its chunk once write() returns
      this.held.push(Buffer.from(buf));
      return;
    }
    this.decide();
    this.deliver(buf);
  }

  /** The line is ordinary content: hand the current part what was held back. */
  private decide(): void {
    this.decided = true;
    this.beginLine();
    for (const h of this.held) this.deliver(h);
    this.held = [];
  }

  private beginLine(): void {
    this.begun = true;
    const top = this.top();
    if (top.termPending) {
      top.text?.write(top.termPending);
      top.termPending = null;
    }
  }

  private deliver(buf: Uint8Array): void {
    if (buf.length === 0) return;
    const top = this.top();
    if (!top.headersDone) {
      const room = this.limits.maxHeaderBytes - top.headerLen;
      if (buf.length > room) this.cut = true;
      if (room <= 0) return;
      const piece = Buffer.from(buf.length > room ? buf.subarray(0, room) : buf);
      top.headerChunks.push(piece);
      top.headerLen += piece.length;
    } else if (top.text) {
      top.text.write(buf);
    }
  }

  private endLine(termStart: number, termLen: number): void {
    if (termLen > 0) this.lfCount++;
    const lineEnd = termStart + termLen;
    if (!this.decided) {
      // most undecided lines are empty or a single piece: no copy for those
      const held = this.held;
      const match = held.length === 0 ? null : this.matchBoundary(held.length === 1 ? held[0] : Buffer.concat(held));
      if (match && this.onBoundary(match.frame, match.close, lineEnd)) {
        this.nextLine(termStart, termLen);
        return;
      }
      this.decide();
    }
    if (!this.begun) this.beginLine();
    const top = this.top();
    if (!top.headersDone) {
      if (this.lineLen === 0 && termLen > 0) this.finishHeaders(top, lineEnd, true);
      else if (termLen > 0) this.deliver(termLen === 2 ? CRLF : LF_BYTE);
    } else if (top.text && termLen > 0) {
      top.termPending = termLen === 2 ? CRLF : LF_BYTE;
    }
    this.nextLine(termStart, termLen);
  }

  private nextLine(termStart: number, termLen: number): void {
    this.prevTermStart = termLen > 0 ? termStart : -1;
    this.prevLineLastByte = this.lineLen > 0 ? this.lineLastByte : -1;
    this.lineLen = 0;
    this.lineLastByte = -1;
    this.lfAtLineStart = this.lfCount;
    this.held = [];
    this.decided = false;
    this.begun = false;
  }

  /** Innermost open multipart whose delimiter this line is; outer ones close inner parts too. */
  private matchBoundary(line: Buffer): { frame: number; close: boolean } | null {
    if (line.length < 3 || line[0] !== DASH || line[1] !== DASH) return null;
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const f = this.stack[k];
      const b = f.boundary;
      if (f.kind !== 'multipart' || !f.headersDone || f.epilogue || !b) continue;
      if (line.length < b.length || line.compare(b, 0, b.length, 0, b.length) !== 0) continue;
      let rest = b.length;
      let close = false;
      if (line[rest] === DASH && line[rest + 1] === DASH) {
        close = true;
        rest += 2;
      }
      let padding = true;
      for (let j = rest; j < line.length; j++) {
        if (line[j] !== 0x20 && line[j] !== 0x09) {
          padding = false;
          break;
        }
      }
      if (padding) return { frame: k, close };
    }
    return null;
  }

  /** Returns false when the delimiter must be read as content (part limit reached). */
  private onBoundary(k: number, close: boolean, lineEnd: number): boolean {
    if (!close && this.partCount >= this.limits.maxParts) return false;
    while (this.stack.length - 1 > k) {
      const inner = this.stack.pop();
      if (inner) this.closeFrame(inner, true);
    }
    const m = this.stack[k];
    if (close) {
      m.epilogue = true;
      this.openBoundaries--;
      return true;
    }
    const digest = m.part.subtype.toLowerCase() === 'digest';
    const child = this.newFrame(lineEnd, m.depth + 1, digest ? 'message/rfc822' : 'text/plain', null);
    (m.part.parts ??= []).push(child.part);
    this.partCount++;
    this.stack.push(child);
    return true;
  }

  private finishHeaders(f: Frame, bodyStart: number, openBody: boolean): void {
    f.headersDone = true;
    const fields = parseHeaderBlock(Buffer.concat(f.headerChunks));
    f.headerChunks = [];
    const part = f.part;
    Object.assign(part, describePart(fields, f.defaultType));
    part.bodyStart = bodyStart;
    f.lfAtBodyStart = this.lfCount;
    if (f.messageOf || f.isTop) {
      const envelope = buildEnvelope(fields);
      if (f.messageOf) f.messageOf.message = { envelope, body: part };
      if (f.isTop) {
        this.envelope = envelope;
        this.headers = fields.map((h) => [h.name, decodeWords(h.value)]);
        this.sentDate = parseMailDate(firstField(fields, 'date'));
      }
    }
    const type = part.type.toLowerCase();
    const subtype = part.subtype.toLowerCase();
    const deepEnough = f.depth + 1 >= this.limits.maxDepth;
    if (type === 'multipart') {
      // RFC 2046 forbids a trailing blank in a boundary; transport padding covers lines that carry one
      const raw = paramValue(part.params, 'boundary');
      const boundary = raw === null || raw === undefined ? raw : trimBlanks(raw, false);
      if (!boundary || boundary.length > MAX_BOUNDARY_LENGTH || deepEnough) return this.makeOpaque(f);
      f.kind = 'multipart';
      f.boundary = Buffer.from('--' + boundary, 'utf8');
      part.parts = [];
      this.openBoundaries++;
    } else if (type === 'message' && subtype === 'rfc822') {
      // an encoded message cannot be parsed on the fly; neither can one beyond the limits
      const identity = ['7bit', '8bit', 'binary'].includes(part.encoding.toLowerCase());
      if (!identity || deepEnough || this.partCount >= this.limits.maxParts) return this.makeOpaque(f);
      f.kind = 'message';
      if (openBody) {
        this.partCount++;
        this.stack.push(this.newFrame(bodyStart, f.depth + 1, 'text/plain', part));
      }
    } else if (type === 'text') {
      const room = this.limits.maxTextChars - this.textChars;
      if (room > 0) {
        const html = subtype === 'html';
        f.text = new TextSink(part.encoding, paramValue(part.params, 'charset'), html, html ? room * 4 : room);
      } else {
        this.cut = true;
      }
    }
  }

  /**
   * BODYSTRUCTURE cannot describe a multipart without children or a message/rfc822 without a
   * message, so parts we will not look into are reported as plain bytes.
   */
  private makeOpaque(f: Frame): void {
    f.kind = 'leaf';
    f.part.type = 'application';
    f.part.subtype = 'octet-stream';
  }

  private closeFrame(f: Frame, atBoundary: boolean): void {
    const start = f.headersDone ? f.part.bodyStart : f.part.headerStart;
    const end = atBoundary ? Math.max(this.prevTermStart, start) : this.pos;
    if (!f.headersDone) this.finishHeaders(f, end, false);
    const part = f.part;
    part.bodyEnd = end;
    part.size = end - part.bodyStart;
    let lfs: number;
    let lastByte: number;
    if (part.size === 0) {
      lfs = 0;
      lastByte = LF;
    } else if (atBoundary) {
      lfs = this.lfAtLineStart - 1 - f.lfAtBodyStart;
      lastByte = this.prevLineLastByte >= 0 ? this.prevLineLastByte : LF;
    } else {
      lfs = this.lfCount - f.lfAtBodyStart;
      lastByte = this.lastByte;
    }
    const type = part.type.toLowerCase();
    const counted = type === 'text' || (type === 'message' && part.subtype.toLowerCase() === 'rfc822');
    part.lines = counted ? lfs + (lastByte !== LF ? 1 : 0) : null;

    if (f.text) {
      if (!atBoundary && f.termPending) f.text.write(f.termPending);
      const text = collapseWhitespace(f.text.finish()).trim();
      if (f.text.full) this.cut = true;
      f.text = null;
      // a text that an earlier part already gave (the HTML alternative of a text/plain part,
      // nearly always) adds nothing a search could find: parts are joined by line breaks, which a
      // search never contains, so no match spans two parts
      if (text && !this.texts.includes(text)) {
        this.texts.push(text);
        this.textChars += text.length + 1;
      }
    }
    if (f.kind === 'multipart') {
      if (!f.epilogue) this.openBoundaries--;
      if (!part.parts?.length) part.parts = [{ ...emptyPart(end, 'text/plain'), lines: 0 }];
    }
    if (f.kind === 'message' && !part.message) {
      part.message = { envelope: NO_ENVELOPE, body: { ...emptyPart(end, 'text/plain'), lines: 0 } };
    }
  }
}
