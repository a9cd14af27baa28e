import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContractError } from '@mail/contracts';
import { normalizeFlags } from './flags.js';
import { childrenPattern, normalizeMailboxName, parentNames } from './mailbox-name.js';
import { mergeRanges } from './uid-ranges.js';

describe('mailbox names', () => {
  it('treats INBOX case-insensitively, also as a hierarchy root', () => {
    assert.equal(normalizeMailboxName('inbox'), 'INBOX');
    assert.equal(normalizeMailboxName('InBoX/Work'), 'INBOX/Work');
    assert.equal(normalizeMailboxName('Inboxes'), 'Inboxes');
    assert.equal(normalizeMailboxName('work/inbox'), 'work/inbox');
  });

  it('rejects names LIST could not show', () => {
    for (const bad of ['', '/a', 'a/', 'a//b', 'a*', 'a%b', 'a\u0000', 'a\nb']) {
      assert.throws(() => normalizeMailboxName(bad), (e: unknown) => e instanceof ContractError && e.code === 'INVALID', bad);
    }
  });

  it('lists superior names and escapes LIKE patterns', () => {
    assert.deepEqual(parentNames('a/b/c'), ['a', 'a/b']);
    assert.deepEqual(parentNames('a'), []);
    assert.equal(childrenPattern('50%_x'), '50\\%\\_x/%');
  });
});

describe('flags', () => {
  it('canonicalises system flags, keeps keywords, drops \\Recent and duplicates', () => {
    assert.deepEqual(normalizeFlags(['\\SEEN', '\\seen', '$Label', '\\recent', '$Label', '\\Flagged']), ['\\Seen', '$Label', '\\Flagged']);
    assert.deepEqual(normalizeFlags(['\\Custom']), ['\\Custom']);
  });
});

describe('uid ranges', () => {
  it('sorts, orients and merges overlapping or adjacent ranges', () => {
    assert.deepEqual(mergeRanges([[10, 12], [1, 3], [4, 4], [11, 20], [30, 25]]), [[1, 4], [10, 20], [25, 30]]);
    assert.deepEqual(mergeRanges([]), []);
  });
});
