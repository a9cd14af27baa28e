import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { htmlToText } from './html-text.js';

describe('htmlToText', () => {
  it('keeps the words, a line per block, and drops scripts, styles, the head and comments', () => {
    const html =
      '<html><head><title>not body</title><style>p { color: red }</style></head><body>' +
      '<h1>Quarterly&nbsp;report</h1><!-- hidden --><p>Hello <b>Bob</b>,</p>' +
      '<div class="x">see <a href="https://x.example/">the link</a><br>and&#32;the&#x20;table:</div>' +
      '<table><tr><td>a &lt; b &amp; c</td></tr></table><script>var secret = 1;</script>&bogus; &euro;5</body></html>';
    assert.equal(htmlToText(html), 'Quarterly report\nHello Bob,\nsee the link\nand the table:\na < b & c\n&bogus; €5');
  });

  it('puts no blank where inline formatting opens or closes, as a browser does not', () => {
    assert.equal(htmlToText('Hel<b>lo</b> <span style="x">wor</span><i>ld</i><td>cell</td>'), 'Hello world cell');
  });

  it('treats an unterminated comment, script or tag as running to the end', () => {
    assert.equal(htmlToText('before <!-- never closed <p>after'), 'before');
    assert.equal(htmlToText('before <script>never closed <p>after'), 'before');
    assert.equal(htmlToText('before <p class="x'), 'before');
  });

  it('leaves entities it does not know, and invalid code points, as they are', () => {
    assert.equal(htmlToText('&madeup; &#0; &#xD800; &#1114112;'), '&madeup; &#0; &#xD800; &#1114112;');
  });

  it('gets through hostile markup (every pattern is linear; a quadratic one would hang here)', () => {
    assert.equal(htmlToText('<!--'.repeat(50_000) + 'x'), '');
    assert.equal(htmlToText('<script>'.repeat(50_000) + 'x'), '');
    assert.equal(htmlToText('x' + '<'.repeat(100_000)), 'x');
    assert.equal(htmlToText('&#'.repeat(50_000)).length, 100_000);
  });
});
