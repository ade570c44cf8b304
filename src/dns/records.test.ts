import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ClusterRecords } from './records.js';
import { RCODE, TYPE, type Answer, type ResourceRecord } from './wire.js';

const SERIAL = 1_700_000_000;

function svc(name: string, spec: Service['spec'], ns = 'testns'): Service {
  return { metadata: { name, namespace: ns }, spec };
}

function slice(name: string, service: string, o: Partial<EndpointSlice> & { ns?: string } = {}): EndpointSlice {
  return {
    metadata: { name, namespace: o.ns ?? 'testns', labels: { 'kubernetes.io/service-name': service } },
    addressType: o.addressType ?? 'IPv4',
    endpoints: o.endpoints ?? [],
    ports: o.ports,
  };
}

const http = [{ name: 'http', port: 80, protocol: 'TCP' }];

function fixture(): ClusterRecords {
  const r = new ClusterRecords({ domain: 'cluster.local.', ttl: 5, now: () => SERIAL });
  r.setNamespace('testns');
  r.setNamespace('empty');
  r.setService(svc('svc1', { clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
  r.setService(svc('svcempty', { clusterIP: '10.0.0.2', ports: [{ name: 'http', port: 80 }] }));
  r.setService(svc('svc6', { clusterIP: '1234:abcd::1', ports: [{ name: 'http', port: 80 }] }));
  r.setService(svc('dual', { clusterIP: '10.0.0.3', clusterIPs: ['10.0.0.3', '10::3'], ports: [{ name: 'http', port: 80 }] }));
  r.setService(svc('hdls1', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }));
  r.setEndpointSlice(
    slice('hdls1-a', 'hdls1', {
      ports: http,
      endpoints: [
        { addresses: ['172.0.0.2'], conditions: { ready: true } },
        { addresses: ['172.0.0.3'] },
        { addresses: ['172.0.0.9'], conditions: { ready: false } },
        { addresses: ['172.0.0.4'], hostname: 'dup-name', conditions: { ready: true } },
      ],
    }),
  );
  r.setEndpointSlice(slice('hdls1-b', 'hdls1', { ports: http, endpoints: [{ addresses: ['172.0.0.5'], hostname: 'dup-name' }] }));
  r.setEndpointSlice(slice('hdls1-v6', 'hdls1', { addressType: 'IPv6', ports: http, endpoints: [{ addresses: ['5678:abcd::1'] }] }));
  r.setService(svc('hdlsprtls', { clusterIP: 'None' }));
  r.setEndpointSlice(slice('hdlsprtls-a', 'hdlsprtls', { endpoints: [{ addresses: ['172.0.0.20'] }] }));
  r.setService(svc('hdls-none-ready', { clusterIP: 'None', ports: http }));
  r.setEndpointSlice(slice('hdls-none-ready-a', 'hdls-none-ready', { ports: http, endpoints: [{ addresses: ['172.0.0.30'], conditions: { ready: false } }] }));
  r.setService(svc('external', { type: 'ExternalName', externalName: 'ext.interwebs.test.' }));
  r.setService(svc('external-to-service', { type: 'ExternalName', externalName: 'svc1.testns.svc.cluster.local' }));
  r.setService(svc('external-loop', { type: 'ExternalName', externalName: 'external-loop.testns.svc.cluster.local' }));
  // The service arrives before its namespace does: the namespace still exists.
  r.setService(svc('early', { clusterIP: '10.0.0.4', ports: http }, 'late-ns'));
  return r;
}

function fmt(rr: ResourceRecord): string {
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      return `${rr.name} ${rr.type} ${rr.address}`;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return `${rr.name} ${rr.type} ${rr.target}`;
    case 'SRV':
      return `${rr.name} SRV ${rr.priority} ${rr.weight} ${rr.port} ${rr.target}`;
    case 'SOA':
      return `${rr.name} SOA ${rr.mname} ${rr.rname} ${rr.serial} ${rr.refresh} ${rr.retry} ${rr.expire} ${rr.minimum}`;
    case 'TXT':
      return `${rr.name} TXT ${rr.text.join(' ')}`;
  }
}

const SOA = `cluster.local SOA ns.dns.cluster.local hostmaster.cluster.local ${SERIAL} 7200 1800 86400 5`;

interface Case {
  q: string;
  type: keyof typeof TYPE;
  rcode?: number;
  answers?: string[];
  extra?: string[];
  authority?: string[];
}

function ask(r: ClusterRecords, name: string, type: number): Answer | undefined {
  return r.resolve({ name, lower: name.toLowerCase().split('.'), type: type });
}

const NX = { rcode: RCODE.NXDOMAIN, authority: [SOA] };
const NODATA = { rcode: RCODE.NOERROR, answers: [], authority: [SOA] };

describe('ClusterRecords answers (CoreDNS kubernetes plugin behaviour)', () => {
  const cases: Case[] = [
    // ClusterIP Services
    { q: 'svc1.testns.svc.cluster.local', type: 'A', answers: ['svc1.testns.svc.cluster.local A 10.0.0.1'] },
    { q: 'SVC1.TestNS.svc.Cluster.Local', type: 'A', answers: ['SVC1.TestNS.svc.Cluster.Local A 10.0.0.1'] },
    { q: 'svcempty.testns.svc.cluster.local', type: 'A', answers: ['svcempty.testns.svc.cluster.local A 10.0.0.2'] },
    { q: 'svc1.testns.svc.cluster.local', type: 'AAAA', ...NODATA },
    { q: 'svc1.testns.svc.cluster.local', type: 'TXT', ...NODATA },
    { q: 'svc1.testns.svc.cluster.local', type: 'SOA', ...NODATA },
    { q: 'svc6.testns.svc.cluster.local', type: 'AAAA', answers: ['svc6.testns.svc.cluster.local AAAA 1234:abcd::1'] },
    { q: 'dual.testns.svc.cluster.local', type: 'A', answers: ['dual.testns.svc.cluster.local A 10.0.0.3'] },
    { q: 'dual.testns.svc.cluster.local', type: 'AAAA', answers: ['dual.testns.svc.cluster.local AAAA 10::3'] },
    { q: 'early.late-ns.svc.cluster.local', type: 'A', answers: ['early.late-ns.svc.cluster.local A 10.0.0.4'] },
    // SRV
    {
      q: '_http._tcp.svc1.testns.svc.cluster.local',
      type: 'SRV',
      answers: ['_http._tcp.svc1.testns.svc.cluster.local SRV 0 100 80 svc1.testns.svc.cluster.local'],
      extra: ['svc1.testns.svc.cluster.local A 10.0.0.1'],
    },
    {
      q: '_dns._udp.svc1.testns.svc.cluster.local',
      type: 'SRV',
      answers: ['_dns._udp.svc1.testns.svc.cluster.local SRV 0 100 53 svc1.testns.svc.cluster.local'],
      extra: ['svc1.testns.svc.cluster.local A 10.0.0.1'],
    },
    { q: '_dns._tcp.svc1.testns.svc.cluster.local', type: 'SRV', ...NX },
    { q: '_nope._tcp.svc1.testns.svc.cluster.local', type: 'SRV', ...NX },
    {
      q: 'svc1.testns.svc.cluster.local',
      type: 'SRV',
      answers: ['svc1.testns.svc.cluster.local SRV 0 50 80 svc1.testns.svc.cluster.local', 'svc1.testns.svc.cluster.local SRV 0 50 53 svc1.testns.svc.cluster.local'],
      extra: ['svc1.testns.svc.cluster.local A 10.0.0.1'],
    },
    {
      q: '_http._tcp.dual.testns.svc.cluster.local',
      type: 'SRV',
      answers: ['_http._tcp.dual.testns.svc.cluster.local SRV 0 50 80 dual.testns.svc.cluster.local'],
      extra: ['dual.testns.svc.cluster.local A 10.0.0.3', 'dual.testns.svc.cluster.local AAAA 10::3'],
    },
    // Headless: ready endpoints only (ready unset counts as ready), merged over slices.
    {
      q: 'hdls1.testns.svc.cluster.local',
      type: 'A',
      answers: ['hdls1.testns.svc.cluster.local A 172.0.0.2', 'hdls1.testns.svc.cluster.local A 172.0.0.3', 'hdls1.testns.svc.cluster.local A 172.0.0.4', 'hdls1.testns.svc.cluster.local A 172.0.0.5'],
    },
    { q: 'hdls1.testns.svc.cluster.local', type: 'AAAA', answers: ['hdls1.testns.svc.cluster.local AAAA 5678:abcd::1'] },
    { q: '172-0-0-2.hdls1.testns.svc.cluster.local', type: 'A', answers: ['172-0-0-2.hdls1.testns.svc.cluster.local A 172.0.0.2'] },
    { q: '172-0-0-9.hdls1.testns.svc.cluster.local', type: 'A', ...NX },
    { q: 'dup-name.hdls1.testns.svc.cluster.local', type: 'A', answers: ['dup-name.hdls1.testns.svc.cluster.local A 172.0.0.4', 'dup-name.hdls1.testns.svc.cluster.local A 172.0.0.5'] },
    { q: '5678-abcd--1.hdls1.testns.svc.cluster.local', type: 'AAAA', answers: ['5678-abcd--1.hdls1.testns.svc.cluster.local AAAA 5678:abcd::1'] },
    { q: 'bogus.hdls1.testns.svc.cluster.local', type: 'A', ...NX },
    {
      q: '_http._tcp.hdls1.testns.svc.cluster.local',
      type: 'SRV',
      // Five addresses stand behind the name: weight 100/5 each.
      answers: [
        '_http._tcp.hdls1.testns.svc.cluster.local SRV 0 20 80 172-0-0-2.hdls1.testns.svc.cluster.local',
        '_http._tcp.hdls1.testns.svc.cluster.local SRV 0 20 80 172-0-0-3.hdls1.testns.svc.cluster.local',
        '_http._tcp.hdls1.testns.svc.cluster.local SRV 0 20 80 dup-name.hdls1.testns.svc.cluster.local',
        '_http._tcp.hdls1.testns.svc.cluster.local SRV 0 20 80 5678-abcd--1.hdls1.testns.svc.cluster.local',
      ],
      extra: [
        '172-0-0-2.hdls1.testns.svc.cluster.local A 172.0.0.2',
        '172-0-0-3.hdls1.testns.svc.cluster.local A 172.0.0.3',
        'dup-name.hdls1.testns.svc.cluster.local A 172.0.0.4',
        'dup-name.hdls1.testns.svc.cluster.local A 172.0.0.5',
        '5678-abcd--1.hdls1.testns.svc.cluster.local AAAA 5678:abcd::1',
      ],
    },
    { q: 'hdlsprtls.testns.svc.cluster.local', type: 'A', answers: ['hdlsprtls.testns.svc.cluster.local A 172.0.0.20'] },
    { q: 'hdlsprtls.testns.svc.cluster.local', type: 'SRV', ...NODATA },
    // A headless Service with no ready endpoint does not exist yet (CoreDNS: NXDOMAIN).
    { q: 'hdls-none-ready.testns.svc.cluster.local', type: 'A', ...NX },
    // Endpoint names of a ClusterIP Service resolve too.
    { q: 'bogus.svc1.testns.svc.cluster.local', type: 'A', ...NX },
    // ExternalName
    { q: 'external.testns.svc.cluster.local', type: 'CNAME', answers: ['external.testns.svc.cluster.local CNAME ext.interwebs.test'] },
    { q: 'external.testns.svc.cluster.local', type: 'A', answers: ['external.testns.svc.cluster.local CNAME ext.interwebs.test'] },
    { q: 'external.testns.svc.cluster.local', type: 'AAAA', answers: ['external.testns.svc.cluster.local CNAME ext.interwebs.test'] },
    { q: 'external.testns.svc.cluster.local', type: 'SRV', ...NODATA },
    { q: 'endpoint.external.testns.svc.cluster.local', type: 'A', ...NX },
    {
      q: 'external-to-service.testns.svc.cluster.local',
      type: 'A',
      answers: ['external-to-service.testns.svc.cluster.local CNAME svc1.testns.svc.cluster.local', 'svc1.testns.svc.cluster.local A 10.0.0.1'],
    },
    { q: 'external-loop.testns.svc.cluster.local', type: 'A', answers: ['external-loop.testns.svc.cluster.local CNAME external-loop.testns.svc.cluster.local'] },
    // Unknown names
    { q: 'svc0.testns.svc.cluster.local', type: 'A', ...NX },
    { q: 'svc0.testns.svc.cluster.local', type: 'AAAA', ...NX },
    { q: 'svc1.nons.svc.cluster.local', type: 'A', ...NX },
    { q: 'svc1.testns.cluster.local', type: 'A', ...NX },
    { q: 'foo.cluster.local', type: 'A', ...NX },
    { q: 'a.b.c.svc1.testns.svc.cluster.local', type: 'A', ...NX },
    // The tree itself
    { q: 'cluster.local', type: 'SOA', answers: [SOA] },
    { q: 'cluster.local', type: 'NS', answers: ['cluster.local NS ns.dns.cluster.local'] },
    { q: 'cluster.local', type: 'A', ...NODATA },
    { q: 'svc.cluster.local', type: 'A', ...NODATA },
    { q: 'pod.cluster.local', type: 'A', ...NODATA },
    { q: 'testns.svc.cluster.local', type: 'A', ...NODATA },
    { q: 'empty.svc.cluster.local', type: 'A', ...NODATA },
    { q: 'nons.svc.cluster.local', type: 'A', ...NX },
    { q: 'dns-version.cluster.local', type: 'TXT', answers: ['dns-version.cluster.local TXT 1.1.0'] },
    // Pods (insecure mode: the IP is in the name; the namespace must exist)
    { q: '10-244-1-7.testns.pod.cluster.local', type: 'A', answers: ['10-244-1-7.testns.pod.cluster.local A 10.244.1.7'] },
    { q: '10-244-1-7.testns.pod.cluster.local', type: 'AAAA', ...NODATA },
    { q: 'fd00--7.testns.pod.cluster.local', type: 'AAAA', answers: ['fd00--7.testns.pod.cluster.local AAAA fd00::7'] },
    { q: '10-244-1-7.nons.pod.cluster.local', type: 'A', ...NX },
    { q: 'not-an-ip.testns.pod.cluster.local', type: 'A', ...NX },
    // Reverse
    { q: '1.0.0.10.in-addr.arpa', type: 'PTR', answers: ['1.0.0.10.in-addr.arpa PTR svc1.testns.svc.cluster.local'] },
    { q: '4.0.0.172.in-addr.arpa', type: 'PTR', answers: ['4.0.0.172.in-addr.arpa PTR dup-name.hdls1.testns.svc.cluster.local'] },
  ];

  const r = fixture();
  for (const c of cases) {
    it(`${c.q} ${c.type}`, () => {
      const a = ask(r, c.q, TYPE[c.type]);
      assert.ok(a, 'expected an answer, got "not ours"');
      assert.equal(a.rcode, c.rcode ?? RCODE.NOERROR, 'rcode');
      assert.equal(a.authoritative, true);
      assert.deepEqual(a.answers.map(fmt), c.answers ?? []);
      assert.deepEqual(a.additionals.map(fmt), c.extra ?? []);
      assert.deepEqual(a.authorities.map(fmt), c.authority ?? []);
      for (const rr of a.answers) if (rr.type !== 'TXT') assert.equal(rr.ttl, 5);
    });
  }

  it('leaves names outside the zone, and unknown reverse names, to the upstreams', () => {
    assert.equal(ask(r, 'example.com', TYPE.A), undefined);
    assert.equal(ask(r, 'cluster.local.example.com', TYPE.A), undefined);
    assert.equal(ask(r, '9.9.9.9.in-addr.arpa', TYPE.PTR), undefined);
    assert.equal(ask(r, '1.0.0.10.in-addr.arpa', TYPE.A), undefined);
  });
});

describe('ClusterRecords updates', () => {
  it('follows Service changes, deletions and slice moves, and bumps the serial', () => {
    let now = 100;
    const r = new ClusterRecords({ domain: 'cluster.local', ttl: 5, now: () => now });
    r.setNamespace('ns');
    const a = (name: string) => ask(r, name, TYPE.A)!.answers.map(fmt);
    r.setService(svc('web', { clusterIP: '10.0.0.1', ports: http }, 'ns'));
    assert.deepEqual(a('web.ns.svc.cluster.local'), ['web.ns.svc.cluster.local A 10.0.0.1']);
    now = 200;
    const gen = r.generation;
    r.setService(svc('web', { clusterIP: '10.0.0.2', ports: http }, 'ns'));
    assert.deepEqual(a('web.ns.svc.cluster.local'), ['web.ns.svc.cluster.local A 10.0.0.2']);
    assert.ok(r.generation > gen);
    assert.equal(r.serial, 200);
    assert.deepEqual(r.reverse('10.0.0.1'), []);
    assert.deepEqual(r.reverse('10.0.0.2'), ['web.ns.svc.cluster.local']);

    // Slices may arrive before their Service.
    r.setEndpointSlice(slice('db-1', 'db', { ns: 'ns', ports: http, endpoints: [{ addresses: ['10.244.0.1'] }] }));
    r.setService(svc('db', { clusterIP: 'None', ports: http }, 'ns'));
    assert.deepEqual(a('db.ns.svc.cluster.local'), ['db.ns.svc.cluster.local A 10.244.0.1']);
    r.setEndpointSlice(slice('db-1', 'db', { ns: 'ns', ports: http, endpoints: [{ addresses: ['10.244.0.1'], conditions: { ready: false } }, { addresses: ['10.244.0.2'] }] }));
    assert.deepEqual(a('db.ns.svc.cluster.local'), ['db.ns.svc.cluster.local A 10.244.0.2']);
    assert.deepEqual(r.reverse('10.244.0.2'), ['10-244-0-2.db.ns.svc.cluster.local']);
    r.deleteEndpointSlice(slice('db-1', 'db', { ns: 'ns' }));
    assert.equal(ask(r, 'db.ns.svc.cluster.local', TYPE.A)!.rcode, RCODE.NXDOMAIN);
    assert.deepEqual(r.reverse('10.244.0.2'), []);

    r.deleteService('ns', 'web');
    assert.equal(ask(r, 'web.ns.svc.cluster.local', TYPE.A)!.rcode, RCODE.NXDOMAIN);
    r.deleteNamespace('ns');
    r.deleteService('ns', 'db');
    assert.equal(ask(r, 'ns.svc.cluster.local', TYPE.A)!.rcode, RCODE.NXDOMAIN);
  });
});
