import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectorRecord } from '@mail/contracts';
import { compileInbound } from './compiled-connector.js';
import { bestMatch, certificateNameMatches, domainMatches } from './domain-pattern.js';
import { authenticationSubject, decideInbound, type InboundClient } from './inbound-policy.js';
import { IpSet } from './ip-set.js';
import { originalClientIp, receivedFromIp } from './received-chain.js';
import { selectOutbound } from './outbound-route.js';

const base = { id: '00000000-0000-4000-8000-000000000000', enabled: true, maxMessageSize: 1e6, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' };
const inbound = (name: string, extra: Partial<ConnectorRecord>) => compileInbound({ ...base, name, direction: 'inbound', ...extra } as ConnectorRecord);
const outbound = (name: string, recipientDomains: string[], enabled = true) => ({ name, record: { ...base, name, direction: 'outbound', recipientDomains, enabled } as ConnectorRecord });
const client = (ip: string, tls = false, certificateNames: string[] = []): InboundClient => ({ ip, tls, certificateNames });

describe('IpSet', () => {
  it('matches addresses and CIDRs of both families, IPv4-mapped IPv6 as IPv4, garbage never', () => {
    const s = new IpSet(['192.0.2.0/24', '198.51.100.7', '2001:db8::/32']);
    assert.ok(s.has('192.0.2.200'));
    assert.ok(s.has('::ffff:192.0.2.1'));
    assert.ok(s.has('198.51.100.7'));
    assert.ok(!s.has('198.51.100.8'));
    assert.ok(s.has('2001:db8:1::5'));
    assert.ok(!s.has('2001:db9::1'));
    assert.ok(!s.has('not an ip'));
    assert.ok(!s.has(''));
  });
});

describe('domain patterns', () => {
  it('exact, subdomain wildcard (not the apex), star; most specific wins', () => {
    assert.ok(domainMatches('contoso.com', 'CONTOSO.com'));
    assert.ok(domainMatches('*.contoso.com', 'mail.eu.contoso.com'));
    assert.ok(!domainMatches('*.contoso.com', 'contoso.com'));
    assert.ok(!domainMatches('*.contoso.com', 'evilcontoso.com'));
    assert.ok(domainMatches('*', 'anything.example'));
    assert.equal(bestMatch(['*', '*.contoso.com', 'eu.contoso.com'], 'eu.contoso.com')?.pattern, 'eu.contoso.com');
    assert.equal(bestMatch(['*', '*.contoso.com'], 'x.eu.contoso.com')?.pattern, '*.contoso.com');
    assert.equal(bestMatch(['*.com', '*.contoso.com'], 'x.contoso.com')?.pattern, '*.contoso.com');
    assert.ok(certificateNameMatches('mail.contoso.com', ['other.example', 'MAIL.contoso.com']));
    assert.ok(certificateNameMatches('*.contoso.com', ['smtp.contoso.com']));
    assert.ok(!certificateNameMatches('mail.contoso.com', ['mail.contoso.com.evil.example']));
  });
});

describe('decideInbound', () => {
  const partner = inbound('Contoso', {
    type: 'partner',
    senderDomains: ['contoso.com', '*.contoso.com'],
    senderIpAddresses: ['203.0.113.0/24'],
    requireTls: true,
    restrictDomainsToIpAddresses: true,
    tlsSenderCertificateName: 'mail.contoso.com',
    restrictDomainsToCertificate: true,
  });
  const onPrem = inbound('Hybrid', { type: 'onPremises', senderIpAddresses: ['10.1.0.0/16'] });
  const filter = inbound('Filter', { type: 'filter', senderIpAddresses: ['192.0.2.10'], skipIpAddresses: ['192.0.2.20'] });
  const relay = inbound('Printers', { type: 'relay', senderIpAddresses: ['127.0.0.2'] });
  const all = [partner, onPrem, filter, relay];

  it('partner: refused without TLS, from another IP, without the certificate; accepted when all are met; other domains untouched', () => {
    let d = decideInbound(all, client('203.0.113.5', false), 'contoso.com');
    assert.equal(d.kind, 'refuse');
    assert.match(d.kind === 'refuse' ? d.text : '', /^5\.7\.10 connector "Contoso" requires TLS/);
    d = decideInbound(all, client('198.51.100.1', true, ['mail.contoso.com']), 'eu.contoso.com');
    assert.deepEqual(d.kind === 'refuse' && [d.code, d.reason], [550, 'ip_not_allowed']);
    d = decideInbound(all, client('203.0.113.5', true, []), 'contoso.com');
    assert.deepEqual(d.kind === 'refuse' && d.reason, 'certificate_required');
    d = decideInbound(all, client('203.0.113.5', true, ['mail.contoso.com']), 'contoso.com');
    assert.deepEqual(d.kind === 'accept' && [d.connector.name, d.via], ['Contoso', 'senderDomain']);
    assert.equal(decideInbound(all, client('198.51.100.1'), 'fabrikam.com').kind, 'none');
    assert.equal(decideInbound(all, client('198.51.100.1'), '').kind, 'none');
    // its IPs do not claim senders of other domains
    assert.equal(decideInbound(all, client('203.0.113.5'), 'fabrikam.com').kind, 'none');
    // a partner without senderDomains is identified by its IPs alone, and its TLS rule applies
    const byIp = inbound('ByIp', { type: 'partner', senderIpAddresses: ['198.51.100.0/24'], requireTls: true });
    assert.equal(decideInbound([byIp], client('198.51.100.9'), 'any.example').kind, 'refuse');
    assert.equal(decideInbound([byIp], client('198.51.100.9', true), 'any.example').kind, 'accept');
  });

  it('clients recognised by IP: onPremises, filter, relay; a disabled connector is ignored', () => {
    const d = decideInbound(all, client('10.1.2.3'), 'contoso.com');
    assert.equal(d.kind === 'accept' && d.connector.name, 'Hybrid');
    assert.equal(decideInbound(all, client('127.0.0.2'), 'example.org').kind, 'accept');
    assert.equal(decideInbound(all, client('127.0.0.3'), 'example.org').kind, 'none');
    const off = inbound('Printers', { type: 'relay', senderIpAddresses: ['127.0.0.2'], enabled: false });
    assert.equal(decideInbound([off], client('127.0.0.2'), 'example.org').kind, 'none');
  });

  it('authentication subject: onPremises skips, filter takes the first IP before it from the Received chain', () => {
    assert.equal(authenticationSubject(onPrem, '10.1.2.3', []).skip, true);
    const chain = [
      'from edge.filter.example (edge.filter.example [192.0.2.20]) by out.filter.example with ESMTPS id 1; Mon, 7 Dec 2026 01:00:00 +0000',
      'from mta.sender.example (mta.sender.example [IPv6:2001:db8::25]) by edge.filter.example with ESMTP id 2; Mon, 7 Dec 2026 01:00:00 +0000',
    ];
    assert.deepEqual(authenticationSubject(filter, '192.0.2.10', chain), { skip: false, ip: '2001:db8::25', fromReceivedChain: true });
    assert.deepEqual(authenticationSubject(filter, '192.0.2.10', []), { skip: false, ip: '192.0.2.10', fromReceivedChain: false });
    assert.deepEqual(authenticationSubject(undefined, '198.51.100.1', chain), { skip: false, ip: '198.51.100.1', fromReceivedChain: false });
  });
});

describe('Received chain', () => {
  it('reads the from clause only, tolerates garbage', () => {
    assert.equal(receivedFromIp('from a (b [198.51.100.2]) by c ([10.0.0.1]) with ESMTP'), '198.51.100.2');
    assert.equal(receivedFromIp('by c ([10.0.0.1]) with ESMTP'), undefined);
    assert.equal(receivedFromIp('from a by c'), undefined);
    assert.equal(receivedFromIp('from a ([999.1.1.1]) by c'), undefined);
    assert.equal(receivedFromIp('from [::ffff:198.51.100.9] by c'), '198.51.100.9');
    assert.equal(originalClientIp({ connectingIp: '192.0.2.10', received: ['garbage', 'from x ([198.51.100.3]) by y'], skip: [new IpSet(['192.0.2.10'])], skipLastIp: false }), '198.51.100.3');
    assert.equal(originalClientIp({ connectingIp: '192.0.2.10', received: [], skip: [], skipLastIp: true }), undefined);
  });
});

describe('selectOutbound', () => {
  it('the most specific recipient domain wins; * is the rest; disabled ones do not count', () => {
    const cs = [outbound('All', ['*']), outbound('Fabrikam', ['fabrikam.com']), outbound('Subs', ['*.fabrikam.com']), outbound('Off', ['tailspin.example'], false)];
    assert.equal(selectOutbound(cs, 'fabrikam.com')?.name, 'Fabrikam');
    assert.equal(selectOutbound(cs, 'eu.fabrikam.com')?.name, 'Subs');
    assert.equal(selectOutbound(cs, 'tailspin.example')?.name, 'All');
    assert.equal(selectOutbound(cs.slice(1), 'example.net'), undefined);
  });
});
