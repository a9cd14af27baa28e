import type { CommandTable } from '../session-handle.js';
import { deleteacl, getacl, listrights, myrights, setacl } from './acl.js';
import { authenticate } from './authenticate.js';
import { capability } from './capability.js';
import { catenate } from './catenate.js';
import { close } from './close.js';
import { compress } from './compress.js';
import { copy } from './copy.js';
import { create } from './create.js';
import { deleteMailbox } from './delete.js';
import { enable } from './enable.js';
import { expunge } from './expunge.js';
import { fetch } from './fetch.js';
import { id } from './id.js';
import { idle } from './idle.js';
import { list } from './list.js';
import { login } from './login.js';
import { getmetadata, setmetadata } from './metadata.js';
import { logout } from './logout.js';
import { namespace } from './namespace.js';
import { check, noop } from './noop.js';
import { notify } from './notify.js';
import { cancelupdate } from './cancelupdate.js';
import { getQuota, getQuotaRoot, setQuota } from './quota.js';
import { rename } from './rename.js';
import { search } from './search.js';
import { select } from './select.js';
import { sort } from './sort.js';
import { starttls } from './starttls.js';
import { status } from './status.js';
import { store } from './store.js';
import { subscribe } from './subscribe.js';
import { thread } from './thread.js';

export { abortAppend, appendData, appendEnd, appendStart } from './append.js';

/** Every command the parser knows, with the module that runs it (APPEND with a message literal arrives in pieces: append.ts; with CATENATE as a whole command: catenate.ts). */
export const COMMANDS: CommandTable = {
  CAPABILITY: capability,
  NOOP: noop,
  LOGOUT: logout,
  ID: id,
  STARTTLS: starttls,
  LOGIN: login,
  AUTHENTICATE: authenticate,
  ENABLE: enable,
  NAMESPACE: namespace,
  LIST: list,
  LSUB: list,
  STATUS: status,
  SELECT: select,
  EXAMINE: select,
  CREATE: create,
  DELETE: deleteMailbox,
  RENAME: rename,
  SUBSCRIBE: subscribe,
  UNSUBSCRIBE: subscribe,
  IDLE: idle,
  CHECK: check,
  CLOSE: close,
  UNSELECT: close,
  EXPUNGE: expunge,
  FETCH: fetch,
  STORE: store,
  SEARCH: search,
  COPY: copy,
  APPEND: catenate,
  MOVE: copy,
  GETMETADATA: getmetadata,
  SETMETADATA: setmetadata,
  SORT: sort,
  THREAD: thread,
  GETQUOTA: getQuota,
  GETQUOTAROOT: getQuotaRoot,
  SETQUOTA: setQuota,
  COMPRESS: compress,
  SETACL: setacl,
  DELETEACL: deleteacl,
  GETACL: getacl,
  LISTRIGHTS: listrights,
  MYRIGHTS: myrights,
  NOTIFY: notify,
  CANCELUPDATE: cancelupdate,
};

