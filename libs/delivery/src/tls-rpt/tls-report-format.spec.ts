import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildTlsReport, parseTlsRptRecord, stsPolicyString, tlsReportMessage, tlsRptDestinations } from './tls-report-format.js';

describe('TLS-RPT record', () => {
  it('reads mailto and https destinations', () => {
    assert.deepEqual(parseTlsRptRecord('v=TLSRPTv1; rua=mailto:tls@a.example,https://r.example/x'), { mailto: ['tls@a.example'], https: ['https://r.example/x'] });
    assert.deepEqual(parseTlsRptRecord('v=TLSRPTv1;rua=mailto:tls%2Breports@a.example'), { mailto: ['tls+reports@a.example'], https: [] });
  });
  it('refuses what is not a usable TLSRPTv1 record', () => {
    for (const bad of ['', 'v=spf1 -all', 'v=TLSRPTv2; rua=mailto:a@b.example', 'v=TLSRPTv1', 'v=TLSRPTv1; rua=ftp://x', 'rua=mailto:a@b.example; v=TLSRPTv1', 'v=TLSRPTv1; rua=mailto:a@b.example\r\nBcc: x@y', 'v=TLSRPTv1; rua=mailto:%E0%A4%A@b.example', 'v=TLSRPTv1; rua=mailto:a%0D%0ABcc:x@b.example', `v=TLSRPTv1; rua=mailto:${'a'.repeat(5000)}@b.example`]) {
      assert.equal(parseTlsRptRecord(bad), null, bad.slice(0, 40));
    }
  });
  it('joins TXT chunks and ignores a domain with two records (RFC 8460 §3)', () => {
    assert.deepEqual(tlsRptDestinations([['v=TLSRPTv1; rua=mai', 'lto:t@a.example']]), { mailto: ['t@a.example'], https: [] });
    assert.equal(tlsRptDestinations([['v=TLSRPTv1; rua=mailto:t@a.example'], ['v=TLSRPTv1; rua=mailto:u@a.example']]), null);
    assert.deepEqual(tlsRptDestinations([['v=spf1 -all'], ['v=TLSRPTv1; rua=mailto:t@a.example']]), { mailto: ['t@a.example'], https: [] });
  });
});

describe('TLS-RPT aggregate report', () => {
  const start = new Date('2026-12-06T00:00:00Z');
  const end = new Date('2026-12-07T00:00:00Z');
  const policyString = stsPolicyString({ mode: 'enforce', mx: ['mx.sts.test'], maxAgeSeconds: 86400 });
  const report = buildTlsReport({
    organization: 'mail.example.net',
    contact: 'postmaster@mail.example.net',
    policyDomain: 'sts.test',
    start,
    end,
    reportId: 'r-1',
    rows: [
      { policyType: 'sts', policyString, mxHost: ['mx.sts.test'], resultType: '', sessions: 5 },
      { policyType: 'sts', policyString, mxHost: ['mx.sts.test'], resultType: 'certificate-host-mismatch', receivingMxHostname: 'mx.sts.test', receivingIp: '192.0.2.5', sessions: 2 },
      { policyType: 'no-policy-found', resultType: '', sessions: 1 },
    ],
  });

  it('has the RFC 8460 §4.4 shape, one policy entry per policy, sessions summed', () => {
    assert.deepEqual(report, {
      'organization-name': 'mail.example.net',
      'date-range': { 'start-datetime': '2026-12-06T00:00:00Z', 'end-datetime': '2026-12-06T23:59:59Z' },
      'contact-info': 'postmaster@mail.example.net',
      'report-id': 'r-1',
      policies: [
        {
          policy: { 'policy-type': 'sts', 'policy-domain': 'sts.test', 'policy-string': ['version: STSv1', 'mode: enforce', 'mx: mx.sts.test', 'max_age: 86400'], 'mx-host': ['mx.sts.test'] },
          summary: { 'total-successful-session-count': 5, 'total-failure-session-count': 2 },
          'failure-details': [{ 'result-type': 'certificate-host-mismatch', 'receiving-mx-hostname': 'mx.sts.test', 'receiving-ip': '192.0.2.5', 'failed-session-count': 2 }],
        },
        { policy: { 'policy-type': 'no-policy-found', 'policy-domain': 'sts.test' }, summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 0 } },
      ],
    });
  });

  it('travels as multipart/report; report-type=tlsrpt with the JSON gzipped (RFC 8460 §5.3)', () => {
    const raw = tlsReportMessage({ from: 'noreply-tlsrpt@mail.example.net', to: ['tls@sts.test'], submitter: 'mail.example.net', policyDomain: 'sts.test', report, start, end, messageId: '<m@mail.example.net>', date: end }).toString();
    assert.match(raw, /^Subject: Report Domain: sts\.test Submitter: mail\.example\.net Report-ID: <r-1>\r$/m);
    assert.match(raw, /^TLS-Report-Domain: sts\.test\r$/m);
    assert.match(raw, /^TLS-Report-Submitter: mail\.example\.net\r$/m);
    assert.match(raw, /^Content-Type: multipart\/report; report-type="tlsrpt"; boundary="/m);
    assert.match(raw, /filename="mail\.example\.net!sts\.test!1796515200!1796601600\.json\.gz"/);
    const b64 = /Content-Transfer-Encoding: base64\r\nContent-Disposition: [^\r]*\r\n\r\n([A-Za-z0-9+/=\r\n]+)\r\n--/.exec(raw)?.[1] ?? '';
    assert.deepEqual(JSON.parse(gunzipSync(Buffer.from(b64.replace(/\r\n/g, ''), 'base64')).toString()), report);
    for (const line of raw.split('\r\n')) assert.ok(line.length <= 998);
  });
});
