import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errResponse, multilineResponse, okResponse, saslContinuation } from './pop3-response.js';
import { decodeSaslPlain } from './sasl-plain.js';

describe('responses', () => {
  it('formats status lines with response codes and without injected line breaks', () => {
    assert.equal(okResponse(), '+OK\r\n');
    assert.equal(okResponse('2 320'), '+OK 2 320\r\n');
    assert.equal(errResponse('maildrop already locked', 'IN-USE'), '-ERR [IN-USE] maildrop already locked\r\n');
    assert.equal(errResponse('evil\r\n+OK fake'), '-ERR evil  +OK fake\r\n');
    assert.equal(saslContinuation(), '+ \r\n');
  });

  it('dot-stuffs multi-line lists', () => {
    assert.equal(multilineResponse('capa', ['TOP', '.x']), '+OK capa\r\nTOP\r\n..x\r\n.\r\n');
  });
});

describe('decodeSaslPlain', () => {
  it('decodes the three fields and rejects malformed messages', () => {
    assert.deepEqual(decodeSaslPlain(Buffer.from('\0alice\0pw d')), { authzid: '', authcid: 'alice', password: 'pw d' });
    assert.deepEqual(decodeSaslPlain(Buffer.from('z\0alice\0')), { authzid: 'z', authcid: 'alice', password: '' });
    assert.equal(decodeSaslPlain(Buffer.from('alice\0pw')), null);
    assert.equal(decodeSaslPlain(Buffer.from('\0\0pw')), null);
    assert.equal(decodeSaslPlain(Buffer.from('\0a\0b\0c')), null);
    assert.equal(decodeSaslPlain(Buffer.from([0, 0x61, 0, 0xff])), null);
  });
});
