import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchLine, parseTranscript, substitute, TranscriptError } from './transcript.js';

describe('protocol transcripts', () => {
  it('parses sends, expectations, sessions, unordered groups and literals with their sizes', () => {
    const steps = parseTranscript(
      ['# a comment', '', 'C: a1 APPEND INBOX {{literal}}', 'S: + {{*}}', 'L: Subject: hi', 'L:', 'L: é', 'C:', 'S: a1 OK {{*}}', 'C2: b NOOP', 'S2~: * 1 EXISTS', 'S2~: * 1 RECENT', 'S2: b OK NOOP completed'].join('\n'),
    );
    assert.deepEqual(steps, [
      { kind: 'send', session: 1, text: 'a1 APPEND INBOX {19}', line: 3 },
      { kind: 'expect', session: 1, patterns: ['+ {{*}}'], ordered: true, line: 4 },
      { kind: 'literal', session: 1, data: 'Subject: hi\r\n\r\né\r\n', line: 5 },
      { kind: 'send', session: 1, text: '', line: 8 },
      { kind: 'expect', session: 1, patterns: ['a1 OK {{*}}'], ordered: true, line: 9 },
      { kind: 'send', session: 2, text: 'b NOOP', line: 10 },
      { kind: 'expect', session: 2, patterns: ['* 1 EXISTS', '* 1 RECENT'], ordered: false, line: 11 },
      { kind: 'expect', session: 2, patterns: ['b OK NOOP completed'], ordered: true, line: 13 },
    ]);
    assert.equal((parseTranscript('C: x {{literal+}}\nL: ab')[0] as { text: string }).text, 'x {4+}');
  });

  it('refuses what it does not understand', () => {
    assert.throws(() => parseTranscript('X: nope'), TranscriptError);
    assert.throws(() => parseTranscript('C: a {{literal}}'), TranscriptError);
    assert.throws(() => substitute('${nope}', {}), TranscriptError);
    assert.throws(() => matchLine('{{what}}', 'x', {}), TranscriptError);
  });

  it('matches exact text, wildcards and captures', () => {
    assert.deepEqual(matchLine('* OK [UIDVALIDITY {{n:uidv}}] UIDs valid', '* OK [UIDVALIDITY 123] UIDs valid', {}), { uidv: '123' });
    assert.equal(matchLine('* OK [UIDVALIDITY {{n}}] UIDs valid', '* OK [UIDVALIDITY x] UIDs valid', {}), null);
    assert.deepEqual(matchLine('a OK [APPENDUID ${uidv} {{n:uid}}] {{*}}', 'a OK [APPENDUID 123 4] APPEND completed', { uidv: '123' }), { uid: '4' });
    assert.equal(matchLine('a OK [APPENDUID ${uidv} 4] x', 'a OK [APPENDUID 124 4] x', { uidv: '123' }), null);
    assert.deepEqual(matchLine('* 1 FETCH (INTERNALDATE {{date:d}})', '* 1 FETCH (INTERNALDATE "07-Dec-2026 02:40:00 +0000")', {}), { d: '"07-Dec-2026 02:40:00 +0000"' });
    assert.equal(matchLine('* 1 FETCH (INTERNALDATE {{date}})', '* 1 FETCH (INTERNALDATE "7-12-2026")', {}), null);
    // special characters of regular expressions are plain text here
    assert.notEqual(matchLine('* LIST (\\HasNoChildren) "/" a.b*{{*}}', '* LIST (\\HasNoChildren) "/" a.b*c', {}), null);
    assert.equal(matchLine('* LIST () "/" a.b', '* LIST () "/" axb', {}), null);
    assert.notEqual(matchLine('{{*}} EXISTS', '* 10 EXISTS', {}), null);
    assert.deepEqual(matchLine('* 2 FETCH (BODY[] {{{n:size}}}', '* 2 FETCH (BODY[] {46}', {}), { size: '46' });
    assert.equal(matchLine('* {{n}} EXISTS', '* 10 EXISTS trailing', {}), null);
  });
});
