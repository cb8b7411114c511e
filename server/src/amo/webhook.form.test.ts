import { listOf, parseBracketForm, parseWebhook } from './webhook.form';

describe('parseBracketForm', () => {
  it('builds nested objects from PHP bracket keys, decoding + and %XX', () => {
    const tree = parseBracketForm('a%5Bb%5D%5B0%5D=x+y&a%5Bb%5D%5B1%5D=%D0%AF&c=1');
    expect(JSON.parse(JSON.stringify(tree))).toEqual({ a: { b: { 0: 'x y', 1: 'Я' } }, c: '1' });
    expect(listOf(tree.a && typeof tree.a !== 'string' ? tree.a.b : undefined)).toEqual(['x y', 'Я']);
  });

  it('appends for empty brackets and orders lists numerically', () => {
    const tree = parseBracketForm('l[]=a&l[]=b&m[10]=z&m[2]=y');
    expect(listOf(tree.l)).toEqual(['a', 'b']);
    expect(listOf(tree.m)).toEqual(['y', 'z']);
  });

  it('treats __proto__ and constructor as plain data', () => {
    const tree = parseBracketForm('__proto__[polluted]=1&constructor[prototype][x]=2');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(tree)).toBeNull();
    expect(JSON.parse(JSON.stringify(tree))).toEqual({
      ['__proto__']: { polluted: '1' },
      constructor: { prototype: { x: '2' } },
    });
  });

  it('keeps malformed keys whole and drops a value that collides with an object', () => {
    const tree = parseBracketForm('a[b=1&x[y]=1&x=2&x[y][z]=3');
    expect(JSON.parse(JSON.stringify(tree))).toEqual({ 'a[b': '1', x: { y: '1' } });
  });
});

describe('parseWebhook', () => {
  it('finds company events among contacts, with v2 custom fields, and names the account', () => {
    const body = new URLSearchParams({
      'contacts[delete][0][id]': '501',
      'contacts[delete][0][type]': 'company',
      'contacts[update][0][id]': '77',
      'contacts[update][0][type]': 'contact',
      'leads[status][0][id]': '9',
      'account[id]': '1000001',
      'account[subdomain]': 'vendor',
    }).toString();
    expect(parseWebhook(body)).toEqual({
      accountId: 1000001,
      subdomain: 'vendor',
      companyEvents: [{ action: 'delete', companyId: 501, name: null, customFields: [] }],
      otherGroups: ['contacts[update] (contact)', 'leads'],
    });
  });

  it('survives an empty or hostile body', () => {
    expect(parseWebhook('')).toEqual({
      accountId: null,
      subdomain: null,
      companyEvents: [],
      otherGroups: [],
    });
    expect(parseWebhook('account[id]=abc&contacts=x').accountId).toBeNull();
  });
});
