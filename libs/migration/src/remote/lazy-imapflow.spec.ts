import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('imapflow is loaded at the first remote IMAP session, not with the process (ADR 0077)', () => {
  it('loading @mail/migration loads no imapflow module', () => {
    const loaded = execFileSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(join(__dirname, '..', 'index.js'))}); console.log(Object.keys(require.cache).filter((k) => k.includes('/node_modules/imapflow/')).length)`],
      { encoding: 'utf8' },
    );
    assert.equal(Number(loaded), 0);
  });
});
