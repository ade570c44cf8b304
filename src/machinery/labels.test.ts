import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  everything,
  labelSelectorFromObject,
  nothing,
  parseLabelSelector,
  selectorFromSet,
  selectorToString,
} from './labels.js';
import { ApiError } from './errors.js';

const web = { app: 'web', tier: 'fe', version: '3' };

const parseCases: { selector: string; canonical: string; matches: Record<string, string>[]; rejects: Record<string, string>[] }[] = [
  { selector: '', canonical: '', matches: [{}, web], rejects: [] },
  { selector: 'app=web', canonical: 'app=web', matches: [web], rejects: [{}, { app: 'db' }] },
  { selector: 'app==web', canonical: 'app==web', matches: [web], rejects: [{ app: 'db' }] },
  { selector: 'app!=web', canonical: 'app!=web', matches: [{}, { app: 'db' }], rejects: [web] },
  { selector: 'tier in (fe,be)', canonical: 'tier in (be,fe)', matches: [web, { tier: 'be' }], rejects: [{}, { tier: 'x' }] },
  { selector: 'tier notin (fe)', canonical: 'tier notin (fe)', matches: [{}, { tier: 'be' }], rejects: [web] },
  { selector: 'app', canonical: 'app', matches: [web, { app: '' }], rejects: [{}] },
  { selector: '!canary', canonical: '!canary', matches: [web], rejects: [{ canary: 'true' }] },
  {
    selector: '  tier in ( fe , be ) ,  app = web , !canary ',
    canonical: 'app=web,!canary,tier in (be,fe)',
    matches: [web],
    rejects: [{ ...web, canary: '1' }, { tier: 'fe' }],
  },
  { selector: 'app=', canonical: 'app=', matches: [{ app: '' }], rejects: [web, {}] },
  { selector: 'x in (a,,b)', canonical: 'x in (,a,b)', matches: [{ x: '' }, { x: 'a' }], rejects: [{}] },
  { selector: 'x in ()', canonical: 'x in ()', matches: [{ x: '' }], rejects: [{ x: 'a' }] },
  { selector: 'in in (in,notin)', canonical: 'in in (in,notin)', matches: [{ in: 'notin' }], rejects: [{ in: 'x' }] },
  { selector: 'version>2', canonical: 'version>2', matches: [web], rejects: [{ version: '2' }, { version: 'x' }, {}] },
  { selector: 'version<4', canonical: 'version<4', matches: [web], rejects: [{ version: '4' }] },
  { selector: 'example.com/role=db', canonical: 'example.com/role=db', matches: [{ 'example.com/role': 'db' }], rejects: [{ role: 'db' }] },
];

for (const c of parseCases) {
  test(`label selector ${JSON.stringify(c.selector)} parses, prints as ${JSON.stringify(c.canonical)} and matches`, () => {
    const sel = parseLabelSelector(c.selector);
    assert.equal(sel.toString(), c.canonical);
    assert.equal(parseLabelSelector(sel.toString()).toString(), c.canonical, 'the string form parses back');
    for (const l of c.matches) assert.equal(sel.matches(l), true, `should match ${JSON.stringify(l)}`);
    for (const l of c.rejects) assert.equal(sel.matches(l), false, `should not match ${JSON.stringify(l)}`);
  });
}

const badSelectors: { selector: string; message: RegExp }[] = [
  { selector: 'a=b c', message: /^found 'c', expected: ',' or 'end of string'$/ },
  { selector: ',a', message: /^found ',', expected: !, identifier, or 'end of string'$/ },
  { selector: 'a,', message: /^found '', expected: identifier after ','$/ },
  { selector: 'a in b', message: /^unable to parse requirement: found 'b' expected: '\('$/ },
  { selector: 'a in (b', message: /found '', expected: ',' or '\)'/ },
  { selector: 'a in (b c)', message: /found 'c', expected: ',' or '\)'/ },
  { selector: 'a (b)', message: /found '\(', expected: in, notin, =, ==, !=, gt, lt/ },
  { selector: '!', message: /^unable to parse requirement: found '', expected: identifier$/ },
  { selector: 'a=(b)', message: /found '\(', expected: identifier/ },
  { selector: 'bad key!=x', message: /found 'key', expected: in, notin/ },
  { selector: '-a=b', message: /key: Invalid value: "-a": name part must consist of alphanumeric characters/ },
  { selector: 'a=b c d', message: /found 'c'/ },
  { selector: 'a=-b', message: /values\[0\]\[a\]: Invalid value: "-b": a valid label must be an empty string/ },
  { selector: 'a>b', message: /for 'Gt', 'Lt' operators, the value must be an integer/ },
  { selector: `a=${'x'.repeat(64)}`, message: /must be no more than 63 characters/ },
];

for (const c of badSelectors) {
  test(`label selector ${JSON.stringify(c.selector)} is rejected with 400 naming the problem`, () => {
    assert.throws(
      () => parseLabelSelector(c.selector),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest' && c.message.test(e.message),
    );
  });
}

const objectCases: { name: string; sel: Parameters<typeof labelSelectorFromObject>[0]; string: string; matches: Record<string, string>[]; rejects: Record<string, string>[] }[] = [
  { name: 'null matches nothing', sel: null, string: '', matches: [], rejects: [{}, web] },
  { name: 'an empty selector matches everything', sel: {}, string: '', matches: [{}, web], rejects: [] },
  { name: 'matchLabels', sel: { matchLabels: { tier: 'fe', app: 'web' } }, string: 'app=web,tier=fe', matches: [web], rejects: [{ app: 'web' }] },
  {
    name: 'matchExpressions of every operator',
    sel: {
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'app', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    },
    string: 'app,!canary,env notin (prod),tier in (be,fe)',
    matches: [web, { ...web, env: 'dev' }],
    rejects: [{ ...web, env: 'prod' }, { ...web, canary: 'y' }, { tier: 'fe' }],
  },
  {
    name: 'matchLabels and matchExpressions together',
    sel: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
    string: 'app=web,tier in (fe)',
    matches: [web],
    rejects: [{ app: 'web', tier: 'be' }],
  },
];

for (const c of objectCases) {
  test(`LabelSelector object: ${c.name}`, () => {
    const sel = labelSelectorFromObject(c.sel);
    assert.equal(selectorToString(c.sel), c.string);
    for (const l of c.matches) assert.equal(sel.matches(l), true, `should match ${JSON.stringify(l)}`);
    for (const l of c.rejects) assert.equal(sel.matches(l), false, `should not match ${JSON.stringify(l)}`);
  });
}

const badObjects: { name: string; sel: any; message: RegExp }[] = [
  { name: 'an unknown operator', sel: { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, message: /^"Gt" is not a valid label selector operator$/ },
  { name: 'In without values', sel: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, message: /values set can't be empty/ },
  { name: 'Exists with values', sel: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, message: /values set must be empty/ },
  { name: 'an invalid key', sel: { matchLabels: { 'a/b/c': 'x' } }, message: /key: Invalid value: "a\/b\/c": a qualified name must consist/ },
];

for (const c of badObjects) {
  test(`LabelSelector object with ${c.name} is rejected with 400`, () => {
    assert.throws(() => labelSelectorFromObject(c.sel), (e: unknown) => e instanceof ApiError && e.code === 400 && c.message.test(e.message));
  });
}

test('everything, nothing and selectorFromSet', () => {
  assert.equal(everything().matches(undefined), true);
  assert.equal(everything().empty(), true);
  assert.equal(nothing().matches({}), false);
  assert.equal(nothing().empty(), false);
  const s = selectorFromSet({ b: '2', a: '1' });
  assert.equal(s.toString(), 'a=1,b=2');
  assert.equal(s.matches({ a: '1', b: '2', c: '3' }), true);
  assert.equal(s.matches({ a: '1' }), false);
  assert.equal(selectorFromSet({}).empty(), true);
});

test('requiresExactMatch reports a pinned value', () => {
  const s = parseLabelSelector('app=web,tier in (fe),x in (a,b),y!=z');
  assert.equal(s.requiresExactMatch('app'), 'web');
  assert.equal(s.requiresExactMatch('tier'), 'fe');
  assert.equal(s.requiresExactMatch('x'), undefined);
  assert.equal(s.requiresExactMatch('y'), undefined);
  assert.equal(s.requiresExactMatch('nope'), undefined);
});
