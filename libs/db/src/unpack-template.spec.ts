import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PGLITE_TEMPLATE_FILE } from './pglite-template.js';
import { unpackTarGz } from './unpack-template.js';

/** One ustar entry: a 512-byte header and the body padded to 512 (enough for these tests). */
function entry(name: string, body: string, type = '0'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write('0000644\0', 100);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write(type, 156);
  header.write('ustar\u000000', 257);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  padded.write(body);
  return Buffer.concat([header, padded]);
}

describe('unpackTarGz (ADR 0054)', () => {
  it('writes the committed PGlite template into an empty directory, files private, PG_VERSION included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unpack-template-'));
    try {
      await unpackTarGz(PGLITE_TEMPLATE_FILE, dir);
      assert.match(readFileSync(join(dir, 'PG_VERSION'), 'utf8'), /^\d+/);
      assert.ok(existsSync(join(dir, 'global', 'pg_control')));
      assert.ok(readdirSync(join(dir, 'base')).length > 0);
      assert.equal(statSync(join(dir, 'global', 'pg_control')).mode & 0o077, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an entry that would land outside the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unpack-hostile-'));
    try {
      const file = join(dir, 'evil.tar.gz');
      writeFileSync(file, gzipSync(Buffer.concat([entry('/ok', 'fine'), entry('../escaped', 'no'), Buffer.alloc(1024)])));
      await assert.rejects(unpackTarGz(file, join(dir, 'data')), /outside the directory/);
      assert.equal(existsSync(join(dir, 'escaped')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
