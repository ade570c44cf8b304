import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as packet from 'dns-packet';
import { RCODE, TYPE, encodeResponse, errorResponse, ipKey, maxResponseSize, parseQuery, truncateForwarded, type Answer, type Query, type ResourceRecord } from './wire.js';

function query(name: string, type: packet.RecordType, o: { edns?: number; id?: number; flags?: number } = {}): Buffer {
  return packet.encode({
    type: 'query',
    id: o.id ?? 4242,
    flags: o.flags ?? packet.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
  });
}

function parsed(raw: Buffer): Query {
  const p = parseQuery(raw);
  assert.ok(p.ok, 'query should parse');
  return p.query;
}

const ok = (answers: ResourceRecord[], additionals: ResourceRecord[] = []): Answer => ({ rcode: RCODE.NOERROR, authoritative: true, answers, authorities: [], additionals });

describe('parseQuery', () => {
  it('reads the question, keeping its case, and the EDNS size', () => {
    const q = parsed(query('Web.Default.svc.cluster.local', 'SRV', { edns: 1232 }));
    assert.equal(q.id, 4242);
    assert.equal(q.name, 'Web.Default.svc.cluster.local');
    assert.deepEqual(q.lower, ['web', 'default', 'svc', 'cluster', 'local']);
    assert.equal(q.type, TYPE.SRV);
    assert.deepEqual(q.edns, { udpSize: 1232, version: 0, dnssecOk: false });
    assert.equal(maxResponseSize(q, 'udp'), 1232);
    assert.equal(maxResponseSize(parsed(query('a', 'A')), 'udp'), 512);
    assert.equal(maxResponseSize(q, 'tcp'), 65535);
  });

  it('reads the root name', () => {
    const q = parsed(query('.', 'NS'));
    assert.equal(q.name, '');
    assert.deepEqual(q.labels, []);
  });

  it('drops responses and runts, and answers other garbage with FORMERR', () => {
    const good = query('a.example', 'A');
    const response = Buffer.from(good);
    response[2] |= 0x80;
    assert.deepEqual(parseQuery(response), { ok: false, reply: false });
    assert.deepEqual(parseQuery(good.subarray(0, 11)), { ok: false, reply: false });
    for (const bad of [good.subarray(0, 14), good.subarray(0, good.length - 1)]) {
      const p = parseQuery(bad);
      assert.equal(p.ok, false);
      assert.equal(!p.ok && p.reply, true);
    }
    const noQuestion = Buffer.from(good.subarray(0, 12));
    noQuestion.writeUInt16BE(0, 4);
    assert.equal(parseQuery(noQuestion).ok, false);
    const pointer = Buffer.from(good);
    pointer[12] = 0xc0;
    assert.equal(parseQuery(pointer).ok, false);
  });

  it('survives random bytes', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 8) & 0xff;
    const base = query('web.default.svc.cluster.local', 'A', { edns: 4096 });
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.from(base.subarray(0, 12 + (rand() % (base.length - 11))));
      for (let j = 0; j < 4; j++) b[rand() % b.length] = rand();
      b[2] &= 0x7f;
      const p = parseQuery(b);
      if (p.ok) encodeResponse(p.query, ok([]), 512);
    }
  });
});

describe('encodeResponse', () => {
  it('writes records dns-packet reads back, echoing the question as asked', () => {
    const q = parsed(query('_HTTP._tcp.web.ns.svc.cluster.local', 'SRV', { edns: 1232 }));
    const resp = encodeResponse(
      q,
      ok(
        [{ name: q.name, ttl: 5, type: 'SRV', priority: 0, weight: 100, port: 80, target: 'web.ns.svc.cluster.local' }],
        [
          { name: 'web.ns.svc.cluster.local', ttl: 5, type: 'A', address: '10.96.0.1' },
          { name: 'web.ns.svc.cluster.local', ttl: 5, type: 'AAAA', address: 'fd00::1' },
        ],
      ),
      maxResponseSize(q, 'udp'),
    );
    const d = packet.decode(resp);
    assert.equal(d.id, 4242);
    assert.equal(d.flag_qr, true);
    assert.equal(d.flag_aa, true);
    assert.equal(d.flag_rd, true);
    assert.equal(d.flag_ra, true);
    assert.equal((d as any).rcode, 'NOERROR');
    assert.deepEqual(d.questions, [{ name: '_HTTP._tcp.web.ns.svc.cluster.local', type: 'SRV', class: 'IN' }]);
    assert.deepEqual(d.answers?.[0], { name: '_HTTP._tcp.web.ns.svc.cluster.local', type: 'SRV', ttl: 5, class: 'IN', flush: false, data: { priority: 0, weight: 100, port: 80, target: 'web.ns.svc.cluster.local' } });
    const extra = d.additionals!.map((a: any) => `${a.name} ${a.type} ${a.data ?? a.udpPayloadSize}`);
    assert.deepEqual(extra, ['web.ns.svc.cluster.local A 10.96.0.1', 'web.ns.svc.cluster.local AAAA fd00::1', '. OPT 1232']);
  });

  it('writes SOA, TXT, CNAME, PTR and NS', () => {
    const q = parsed(query('x.cluster.local', 'A'));
    const resp = encodeResponse(
      q,
      {
        rcode: RCODE.NXDOMAIN,
        authoritative: true,
        answers: [
          { name: 'x.cluster.local', ttl: 5, type: 'CNAME', target: 'y.example.com' },
          { name: 'x.cluster.local', ttl: 5, type: 'PTR', target: 'z.cluster.local' },
          { name: 'cluster.local', ttl: 5, type: 'NS', target: 'ns.dns.cluster.local' },
          { name: 'x.cluster.local', ttl: 28800, type: 'TXT', text: ['1.1.0'] },
        ],
        authorities: [{ name: 'cluster.local', ttl: 5, type: 'SOA', mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 4000000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 }],
        additionals: [],
      },
      512,
    );
    const d = packet.decode(resp) as any;
    assert.equal(d.rcode, 'NXDOMAIN');
    assert.deepEqual(
      d.answers.map((a: any) => [a.type, a.data.toString()]),
      [
        ['CNAME', 'y.example.com'],
        ['PTR', 'z.cluster.local'],
        ['NS', 'ns.dns.cluster.local'],
        ['TXT', '1.1.0'],
      ],
    );
    assert.deepEqual(d.authorities[0].data, { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 4000000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 });
  });

  it('compresses names, so that many A records fit in 512 bytes', () => {
    const q = parsed(query('web.ns.svc.cluster.local', 'A'));
    const answers: ResourceRecord[] = Array.from({ length: 25 }, (_, i) => ({ name: q.name, ttl: 5, type: 'A', address: `10.244.0.${i + 1}` }));
    const resp = encodeResponse(q, ok(answers), 512);
    assert.ok(resp.length <= 512, `${resp.length} bytes`);
    const d = packet.decode(resp);
    assert.equal(d.flag_tc, false);
    assert.equal(d.answers!.length, 25);
    assert.equal((d.answers![24] as any).data, '10.244.0.25');
  });

  it('drops the additional section first, then truncates answers with TC, keeping OPT', () => {
    const q = parsed(query('_http._tcp.web.ns.svc.cluster.local', 'SRV', { edns: 600 }));
    const srv = (i: number): ResourceRecord => ({ name: q.name, ttl: 5, type: 'SRV', priority: 0, weight: 10, port: 80, target: `pod-${i}.web.ns.svc.cluster.local` });
    const addr = (i: number): ResourceRecord => ({ name: `pod-${i}.web.ns.svc.cluster.local`, ttl: 5, type: 'A', address: `10.244.0.${i}` });
    const few = Array.from({ length: 9 }, (_, i) => i);
    let d = packet.decode(encodeResponse(q, ok(few.map(srv), few.map(addr)), 600));
    assert.equal(d.flag_tc, false);
    assert.equal(d.answers!.length, 9);
    assert.ok(d.additionals!.length < 10, 'some additionals dropped');
    assert.equal(d.additionals!.at(-1)!.type, 'OPT');

    const many = Array.from({ length: 40 }, (_, i) => i);
    const resp = encodeResponse(q, ok(many.map(srv), many.map(addr)), 600);
    assert.ok(resp.length <= 600);
    d = packet.decode(resp);
    assert.equal(d.flag_tc, true);
    assert.ok(d.answers!.length > 0 && d.answers!.length < 40);
    assert.deepEqual(
      d.additionals!.map((a) => a.type),
      ['OPT'],
    );
    // Over TCP everything fits.
    assert.equal(packet.decode(encodeResponse(q, ok(many.map(srv), many.map(addr)), 65535)).answers!.length, 40);
  });

  it('echoes the question in errors, and BADVERS goes in the OPT record', () => {
    const q = parsed(query('example.com', 'A', { edns: 1232 }));
    let d = packet.decode(errorResponse(q, RCODE.SERVFAIL)) as any;
    assert.equal(d.rcode, 'SERVFAIL');
    assert.equal(d.flag_aa, false);
    assert.equal(d.questions[0].name, 'example.com');
    d = packet.decode(errorResponse(q, RCODE.BADVERS)) as any;
    assert.equal(d.rcode, 'NOERROR');
    assert.equal(d.additionals[0].extendedRcode, 1);
  });

  it('truncates a forwarded response to header and question', () => {
    const q = parsed(query('big.example.com', 'TXT'));
    const big = packet.encode({ type: 'response', id: 1, questions: [{ name: 'big.example.com', type: 'TXT' }], answers: [{ name: 'big.example.com', type: 'TXT', data: 'x'.repeat(200) }] });
    const d = packet.decode(truncateForwarded(big, q.questionEnd));
    assert.equal(d.flag_tc, true);
    assert.equal(d.questions!.length, 1);
    assert.equal(d.answers!.length, 0);
  });
});

describe('ipKey', () => {
  it('gives one key per address however it is written', () => {
    assert.equal(ipKey('fd00::1'), ipKey('FD00:0:0:0:0:0:0:1'));
    assert.equal(ipKey('::ffff:10.0.0.1'), ipKey('::ffff:a00:1'));
    assert.equal(ipKey('10.0.0.1'), '10.0.0.1');
    assert.equal(ipKey('nope'), undefined);
  });
});
