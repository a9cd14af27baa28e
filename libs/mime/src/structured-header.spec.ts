import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeParam, parseStructuredHeader, stripComments } from './structured-header.js';

describe('parseStructuredHeader', () => {
  it('splits value and parameters, keeping order and spelling', () => {
    assert.deepEqual(parseStructuredHeader('text/plain; Charset="UTF-8"; format=flowed'), {
      value: 'text/plain',
      params: [['Charset', 'UTF-8'], ['format', 'flowed']],
    });
  });

  it('handles comments, quoted pairs and stray semicolons', () => {
    assert.deepEqual(parseStructuredHeader('text/plain (Plain text) ; ; charset=us-ascii (ascii) ; name="a \\"q\\" ; b.txt"'), {
      value: 'text/plain',
      params: [['charset', 'us-ascii'], ['name', 'a "q" ; b.txt']],
    });
  });

  it('merges RFC 2231 continuations', () => {
    const parsed = parseStructuredHeader('attachment; filename*0="long "; filename*1="name.txt"; size=3');
    assert.deepEqual(parsed.params, [['filename', 'long name.txt'], ['size', '3']]);
  });

  it('keeps encoded RFC 2231 values encoded and decodes them on request', () => {
    const parsed = parseStructuredHeader("attachment; filename*0*=iso-8859-1'fr'caf%E9; filename*1=\" .txt\"");
    assert.deepEqual(parsed.params, [['filename*', "iso-8859-1'fr'caf%E9%20.txt"]]);
    assert.equal(decodeParam(parsed.params, 'filename'), 'café .txt');
    const single = parseStructuredHeader("inline; name*=UTF-8''%E2%82%AC.pdf");
    assert.equal(decodeParam(single.params, 'name'), '€.pdf');
    assert.equal(decodeParam(single.params, 'other'), null);
  });

  it('copes with garbage', () => {
    for (const junk of ['', ';', '=', '"', '(', 'a; =b; c=; d="', ';;;==;;']) {
      assert.doesNotThrow(() => parseStructuredHeader(junk));
    }
    assert.equal(stripComments('7bit (nested (comment)) '), '7bit');
  });
});
