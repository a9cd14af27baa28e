import { parseBdat, parseEnvid, parseNotify, parseOrcpt, parseRet } from '@mail/smtp-in';
import { parseAddressList } from '@mail/mime';
import { invariant, type FuzzTarget } from '../target.js';

/** SMTP command lines of our own grammar: BDAT, the DSN parameters of MAIL/RCPT, the path's address. */
export const smtpLine: FuzzTarget = {
  name: 'smtp-line',
  dictionary: ['MAIL FROM:<', 'RCPT TO:<', '>', ' RET=', 'FULL', 'HDRS', ' ENVID=', ' NOTIFY=', 'SUCCESS,FAILURE', 'NEVER', ' ORCPT=', 'rfc822;', 'utf-8;', 'BDAT ', ' LAST', '@', '"', '\\', '+2B', ' ', '\r\n'],
  run(data) {
    const line = data.toString('latin1');
    const bdat = parseBdat(line);
    invariant('error' in bdat || (Number.isSafeInteger(bdat.size) && bdat.size >= 0), 'a BDAT size is a safe integer');
    const lt = line.indexOf('<');
    const gt = line.indexOf('>', lt + 1);
    if (lt >= 0 && gt > lt) parseAddressList(line.slice(lt + 1, gt));
    for (const param of line.slice(gt + 1).split(' ')) {
      const eq = param.indexOf('=');
      const [key, value] = eq < 0 ? [param, undefined] : [param.slice(0, eq), param.slice(eq + 1)];
      const parse = { RET: parseRet, ENVID: parseEnvid, NOTIFY: parseNotify, ORCPT: parseOrcpt }[key.toUpperCase()];
      if (!parse) continue;
      const r = parse(value);
      invariant(r.ok ? r.value !== undefined : typeof r.error === 'string', 'a value or a reason');
    }
  },
};
