/**
 * The thread that runs PGlite for the process (ADR 0082): it opens the database as the process would
 * (PgliteDatabase: template, named statements, WAL made durable before an answer) and answers the
 * main thread's requests. A transaction stays open in here while the main thread's function runs:
 * its statements come with its id, and its end says COMMIT or ROLLBACK.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Queryable } from './database.port.js';
import { PgliteDatabase } from './pglite-database.js';
import { cloneError, type PgliteThreadReply, type PgliteThreadRequest, type PgliteThreadStart } from './pglite-thread-protocol.js';

/** thrown inside PGlite's transaction to roll it back when the main thread's function threw */
const ROLLBACK = Symbol('rollback');

interface OpenTransaction {
  tx: Queryable;
  finish(commit: boolean): void;
  done: Promise<unknown>;
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite-thread-worker runs as a worker thread');
  const start = workerData as PgliteThreadStart;
  const db = await PgliteDatabase.open(start.dataDir, { migrations: start.migrations });
  const transactions = new Map<number, OpenTransaction>();

  const begin = (id: number) =>
    new Promise<void>((opened, failed) => {
      let finish!: (commit: boolean) => void;
      const ended = new Promise<boolean>((r) => (finish = r));
      const done = db.transaction(async (tx) => {
        transactions.set(id, { tx, finish, done });
        opened();
        if (!(await ended)) throw ROLLBACK;
      });
      done.catch((err) => {
        if (!transactions.has(id)) failed(err);
      });
    });

  const handle = async (req: PgliteThreadRequest): Promise<unknown> => {
    switch (req.op) {
      case 'query': {
        if (req.tx === undefined) return db.query(req.sql, req.params, req.opts);
        const t = transactions.get(req.tx);
        if (!t) throw new Error(`no open transaction ${req.tx} in the PGlite thread`);
        return t.tx.query(req.sql, req.params, req.opts);
      }
      case 'begin':
        await begin(req.id);
        return req.id;
      case 'end': {
        const t = transactions.get(req.tx);
        if (!t) throw new Error(`no open transaction ${req.tx} in the PGlite thread`);
        t.finish(req.commit);
        try {
          await t.done;
        } catch (err) {
          if (err !== ROLLBACK) throw err;
        } finally {
          transactions.delete(req.tx);
        }
        return undefined;
      }
      case 'dump':
        return db.dumpDataDir();
      case 'close':
        await db.close();
        return undefined;
    }
  };

  port.on('message', (req: PgliteThreadRequest) => {
    handle(req).then(
      (value) => {
        port.postMessage({ id: req.id, ok: true, value } satisfies PgliteThreadReply);
        if (req.op === 'close') port.close();
      },
      (err: unknown) => port.postMessage({ id: req.id, ok: false, error: cloneError(err) } satisfies PgliteThreadReply),
    );
  });
  port.postMessage({ id: 0, ok: true, value: 'open' } satisfies PgliteThreadReply);
}

serve().catch((err: unknown) => {
  parentPort?.postMessage({ id: 0, ok: false, error: cloneError(err) } satisfies PgliteThreadReply);
  parentPort?.close();
});
