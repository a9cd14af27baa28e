import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appendUidCode,
  byeResponse,
  capabilityResponse,
  copyUidCode,
  enabledResponse,
  esearchResponse,
  existsResponse,
  expungeResponse,
  fetchFlagsResponse,
  flagsResponse,
  keywordsResponses,
  idResponse,
  listResponse,
  modifiedCode,
  namespaceResponse,
  okResponse,
  permanentFlagsResponse,
  recentResponse,
  searchResponse,
  selectResponses,
  statusResponse,
  vanishedResponse,
} from './responses.js';

describe('response builders, byte for byte', () => {
  it('message counts and expunges', () => {
    assert.equal(existsResponse(23), '* 23 EXISTS\r\n');
    assert.equal(recentResponse(0), '* 0 RECENT\r\n');
    assert.equal(expungeResponse(3), '* 3 EXPUNGE\r\n');
  });

  it('VANISHED and VANISHED (EARLIER) by UID set (RFC 7162 3.2.10 examples)', () => {
    assert.equal(vanishedResponse([[41, 41], [43, 116], [118, 118], [120, 211], [214, 540]], true), '* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n');
    assert.equal(vanishedResponse([[405, 405], [407, 407], [410, 420], [425, 425]], false), '* VANISHED 405,407,410:420,425\r\n');
    assert.equal(vanishedResponse([], false), '');
  });

  it('FETCH flag updates with and without UID and MODSEQ', () => {
    assert.equal(fetchFlagsResponse({ seq: 4, flags: ['\\Seen', '$Junk'] }), '* 4 FETCH (FLAGS (\\Seen $Junk))\r\n');
    assert.equal(fetchFlagsResponse({ seq: 4, uid: 17, flags: [] }), '* 4 FETCH (UID 17 FLAGS ())\r\n');
    assert.equal(fetchFlagsResponse({ seq: 1, uid: 2, flags: ['\\Deleted'], modseq: 99 }), '* 1 FETCH (UID 2 FLAGS (\\Deleted) MODSEQ (99))\r\n');
  });

  it('FLAGS and PERMANENTFLAGS with keywords, and read-only', () => {
    assert.equal(flagsResponse([]), '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n');
    assert.equal(flagsResponse(['$Forwarded', 'work']), '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded work)\r\n');
    assert.equal(permanentFlagsResponse(['work'], false), '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft work \\*)] Flags permitted\r\n');
    assert.equal(permanentFlagsResponse(['work'], true), '* OK [PERMANENTFLAGS ()] Flags permitted\r\n');
  });

  it('the SELECT block of an IMAP4rev2 session: no RECENT, no UNSEEN, the LIST response (RFC 9051 6.3.2)', () => {
    assert.equal(
      selectResponses({ keywords: [], readOnly: false, exists: 172, recent: null, firstUnseen: null, uidValidity: 3857529045, uidNext: 4392, highestModseq: 715, listName: { name: 'INBOX', delimiter: '/' } }),
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n' +
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted\r\n' +
        '* 172 EXISTS\r\n' +
        '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n' +
        '* OK [UIDNEXT 4392] Predicted next UID\r\n' +
        '* OK [HIGHESTMODSEQ 715] Highest\r\n' +
        '* LIST () "/" INBOX\r\n',
    );
  });

  it('the SELECT block in RFC order', () => {
    assert.equal(
      selectResponses({ keywords: [], readOnly: false, exists: 172, recent: 1, firstUnseen: 12, uidValidity: 3857529045, uidNext: 4392, highestModseq: 715 }),
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n' +
        '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted\r\n' +
        '* 172 EXISTS\r\n' +
        '* 1 RECENT\r\n' +
        '* OK [UNSEEN 12] First unseen\r\n' +
        '* OK [UIDVALIDITY 3857529045] UIDs valid\r\n' +
        '* OK [UIDNEXT 4392] Predicted next UID\r\n' +
        '* OK [HIGHESTMODSEQ 715] Highest\r\n',
    );
    const none = selectResponses({ keywords: [], readOnly: true, exists: 0, recent: 0, firstUnseen: null, uidValidity: 1, uidNext: 1, highestModseq: 1 });
    assert.ok(!none.includes('UNSEEN'));
  });

  it('the keyword announcement: FLAGS then PERMANENTFLAGS', () => {
    assert.equal(
      keywordsResponses(['$Work'], false),
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted\r\n',
    );
  });

  it('STATUS, LIST, LSUB with names that need encoding', () => {
    assert.equal(statusResponse('blurdybloop', [['MESSAGES', 231], ['UIDNEXT', 44292]]), '* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n');
    assert.equal(statusResponse('Entwürfe', []), '* STATUS Entw&APw-rfe ()\r\n');
    assert.equal(listResponse('LIST', ['\\Noselect'], '/', ''), '* LIST (\\Noselect) "/" ""\r\n');
    assert.equal(listResponse('LIST', ['\\Sent', '\\HasNoChildren'], '/', 'Sent Items'), '* LIST (\\Sent \\HasNoChildren) "/" "Sent Items"\r\n');
    // RFC 5258 5: a parent listed for its subscribed child
    assert.equal(listResponse('LIST', [], '/', 'Fruit', ['SUBSCRIBED']), '* LIST () "/" Fruit ("CHILDINFO" ("SUBSCRIBED"))\r\n');
    assert.equal(listResponse('LSUB', [], '/', 'INBOX/a'), '* LSUB () "/" INBOX/a\r\n');
    // IMAP4rev1: modified UTF-7; IMAP4rev2 / UTF8=ACCEPT: UTF-8, quoted when not an atom, "&" as it is
    assert.equal(listResponse('LIST', [], '/', 'été'), '* LIST () "/" &AOk-t&AOk-\r\n');
    assert.equal(listResponse('LIST', [], '/', 'été', undefined, true), '* LIST () "/" "été"\r\n');
    assert.equal(listResponse('LIST', [], '/', 'R&D', undefined, true), '* LIST () "/" R&D\r\n');
    assert.equal(listResponse('LIST', [], '/', 'a "b"', undefined, true), '* LIST () "/" "a \\"b\\""\r\n');
    assert.equal(listResponse('LIST', [], '/', 'nil', undefined, true), '* LIST () "/" "nil"\r\n');
    assert.equal(statusResponse('日本', [['MESSAGES', 1]], true), '* STATUS "日本" (MESSAGES 1)\r\n');
  });

  it('SEARCH, CAPABILITY, BYE, OK, ENABLED, NAMESPACE, ID', () => {
    assert.equal(searchResponse([]), '* SEARCH\r\n');
    assert.equal(searchResponse([2, 84, 882]), '* SEARCH 2 84 882\r\n');
    // RFC 7162 3.1.5 example
    assert.equal(searchResponse([2, 5, 6, 7, 11, 12, 18, 19, 20, 23], 917162500), '* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n');
    assert.equal(searchResponse([], 5), '* SEARCH\r\n');
    assert.equal(capabilityResponse('IMAP4rev1 IDLE'), '* CAPABILITY IMAP4rev1 IDLE\r\n');
    assert.equal(byeResponse('Logging\r\nout'), '* BYE Logging out\r\n');
    assert.equal(okResponse('Moved', 'COPYUID 1 2 3'), '* OK [COPYUID 1 2 3] Moved\r\n');
    assert.equal(okResponse('Previous mailbox closed', 'CLOSED'), '* OK [CLOSED] Previous mailbox closed\r\n');
    assert.equal(enabledResponse([]), '* ENABLED\r\n');
    assert.equal(enabledResponse(['CONDSTORE']), '* ENABLED CONDSTORE\r\n');
    assert.equal(namespaceResponse('/'), '* NAMESPACE (("" "/")) NIL NIL\r\n');
    assert.equal(namespaceResponse('/', 'Shared/'), '* NAMESPACE (("" "/")) NIL (("Shared/" "/"))\r\n');
    assert.equal(idResponse([['name', 'mail-platform']]), '* ID ("name" "mail-platform")\r\n');
    assert.equal(idResponse([['a"b', 'c\\d']]), '* ID ("a\\"b" "c\\\\d")\r\n');
    assert.equal(idResponse([]), '* ID NIL\r\n');
  });

  it('ESEARCH as RFC 4731 shows it', () => {
    assert.equal(esearchResponse({ tag: 'A282', uid: false, returning: ['MIN', 'COUNT'], numbers: [2, 10, 11] }), '* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\n');
    assert.equal(esearchResponse({ tag: 'A283', uid: false, returning: ['ALL'], numbers: [2, 10, 11] }), '* ESEARCH (TAG "A283") ALL 2,10:11\r\n');
    assert.equal(esearchResponse({ tag: 'A284', uid: false, returning: ['MIN'], numbers: [] }), '* ESEARCH (TAG "A284")\r\n');
    assert.equal(esearchResponse({ tag: 'A285', uid: true, returning: ['MIN', 'MAX'], numbers: [7, 3800] }), '* ESEARCH (TAG "A285") UID MIN 7 MAX 3800\r\n');
    assert.equal(esearchResponse({ tag: 'A286', uid: false, returning: ['COUNT'], numbers: [] }), '* ESEARCH (TAG "A286") COUNT 0\r\n');
    // RFC 7162 3.1.5
    assert.equal(esearchResponse({ tag: 'a', uid: true, returning: ['MAX'], numbers: [5, 6], modseq: 9 }), '* ESEARCH (TAG "a") UID MAX 6 MODSEQ 9\r\n');
  });

  it('UIDPLUS and CONDSTORE response codes', () => {
    assert.equal(appendUidCode(38505, 3955), 'APPENDUID 38505 3955');
    // RFC 4315 example: source and target sets keep their pairing order
    assert.equal(copyUidCode(38505, [[304, 3956], [319, 3957], [320, 3958]]), 'COPYUID 38505 304,319:320 3956:3958');
    assert.equal(copyUidCode(1, [[5, 2], [4, 1]]), 'COPYUID 1 5,4 2,1');
    assert.equal(modifiedCode([7, 9, 8]), 'MODIFIED 7:9');
  });
});
