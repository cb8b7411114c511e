import { CsvError, CsvReader, parseCsv } from './csv';
import { checkHeader, csvRowToBody, jsonlLineToBody, NUMBER_COLUMNS, RowError } from './rows';

const fieldsOf = (text: string) => parseCsv(text).map((r) => r.fields);

describe('parseCsv (RFC 4180)', () => {
  it.each([
    [
      'plain fields',
      'a,b,c\n1,2,3\n',
      [
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ],
    ],
    [
      'CRLF line ends',
      'a,b\r\n1,2\r\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'no line break at the end',
      'a,b\n1,2',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    ['empty fields, leading and trailing', ',x,\n', [['', 'x', '']]],
    ['a quoted field with a comma', '"a,b",c\n', [['a,b', 'c']]],
    ['an escaped quote', '"say ""hi""",x\n', [['say "hi"', 'x']]],
    ['only an escaped quote', '""""\n', [['"']]],
    ['a quoted empty field is one empty field', '""\n', [['']]],
    ['a line break inside quotes', '"line 1\nline 2",x\n', [['line 1\nline 2', 'x']]],
    ['CRLF inside quotes is kept', '"a\r\nb"\n', [['a\r\nb']]],
    ['a quote inside an unquoted field is a character', 'ab"c,d\n', [['ab"c', 'd']]],
    ['a lone CR is a character', 'a\rb,c\n', [['a\rb', 'c']]],
    [
      'empty lines are no records',
      '\na,b\n\n\r\n1,2\n\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    ['a leading BOM is dropped', '\ufeffa,b\n', [['a', 'b']]],
    ['Cyrillic and emoji pass through', 'имя,🙂\n', [['имя', '🙂']]],
    ['nothing at all', '', []],
  ])('%s', (_name, text, expected) => {
    expect(fieldsOf(text)).toEqual(expected);
  });

  it('tells the line each record starts on, counting line breaks inside quotes', () => {
    const records = parseCsv('h1,h2\n"multi\nline",x\n\nlast,y\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it.each([
    ['text after a closing quote', 'a,"b"c\n', 1],
    ['a quote never closed', 'a,b\n"open,\nstill\n', 2],
  ])('refuses %s, naming the line', (_name, text, line) => {
    expect(() => parseCsv(text)).toThrow(CsvError);
    expect(() => parseCsv(text)).toThrow(`line ${line}:`);
  });

  it('reads the same records whatever the chunks a file arrives in', () => {
    const text = 'externalId,note\r\n"p-1","a ""quoted"", multi\r\nline"\r\np-2,plain\r\n';
    const whole = parseCsv(text);
    for (let cut = 0; cut <= text.length; cut++) {
      const reader = new CsvReader();
      const records = [...reader.feed(text.slice(0, cut)), ...reader.feed(text.slice(cut)), ...reader.end()];
      expect(records).toEqual(whole);
    }
    expect(whole.map((r) => r.fields[1])).toEqual(['note', 'a "quoted", multi\r\nline', 'plain']);
  });
});

describe('CSV rows as payment bodies', () => {
  const header = checkHeader([
    'externalId',
    'clientAccountId',
    'grossMinor',
    'channel',
    'paidAt',
    'referral.visitorId',
    'payer.email',
  ]);

  it('knows the number columns from the payment schema', () => {
    expect([...NUMBER_COLUMNS].sort()).toEqual(['clientAccountId', 'grossMinor', 'listMinor']);
  });

  it.each([
    [
      'numbers as numbers, dotted columns nested, empty cells absent',
      ['0042', '31000001', '1200000', 'vendor_direct', '2024-01-01T00:00:00Z', '', 'a@b.ru'],
      {
        externalId: '0042',
        clientAccountId: 31000001,
        grossMinor: 1200000,
        channel: 'vendor_direct',
        paidAt: '2024-01-01T00:00:00Z',
        payer: { email: 'a@b.ru' },
      },
    ],
    [
      'a number column that does not read as a number stays text (the server names the field)',
      ['p-1', '31000001', '12 000,00', 'vendor_direct', '2024-01-01T00:00:00Z', 'v1', ''],
      {
        externalId: 'p-1',
        clientAccountId: 31000001,
        grossMinor: '12 000,00',
        channel: 'vendor_direct',
        paidAt: '2024-01-01T00:00:00Z',
        referral: { visitorId: 'v1' },
      },
    ],
  ])('%s', (_name, fields, expected) => {
    expect(csvRowToBody(header, fields)).toEqual(expected);
  });

  it('refuses a row with another number of fields than the header', () => {
    expect(() => csvRowToBody(header, ['p-1', '1'])).toThrow('has 2 fields where the header has 7');
  });

  it.each([
    [['externalId', 'grossMinor', 'grossMinor'], 'twice'],
    [['externalId', ''], 'empty column name'],
    [['externalId', 'payer.'], 'empty column name'],
    [['grossMinor'], 'no externalId column'],
  ])('refuses the header %j', (columns, message) => {
    expect(() => checkHeader(columns)).toThrow(message);
  });

  it.each([
    ['{"externalId":"p-1","grossMinor":5}', { externalId: 'p-1', grossMinor: 5 }],
    ['  {"externalId":"p-2"}  ', { externalId: 'p-2' }],
  ])('reads the JSONL line %s', (line, expected) => {
    expect(jsonlLineToBody(line)).toEqual(expected);
  });

  it.each([
    ['{"externalId":', 'is not valid JSON'],
    ['[1,2]', 'is not a JSON object'],
    ['null', 'is not a JSON object'],
  ])('refuses the JSONL line %s', (line, message) => {
    expect(() => jsonlLineToBody(line)).toThrow(RowError);
    expect(() => jsonlLineToBody(line)).toThrow(message);
  });
});
