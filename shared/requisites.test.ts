import fc from 'fast-check';

import {
  maskPassport,
  validateBankAccount,
  validateBik,
  validateCorrespondentAccount,
  validateKpp,
  validateLegalEntityInn,
  validateOgrn,
  validateOgrnip,
  validatePassportNumber,
  validatePassportSeries,
  validatePersonInn,
  validateRequisiteAt,
  type RequisiteResult,
} from './requisites';

/** Only the code matters for most assertions; messages are checked separately below. */
function codeOf(result: RequisiteResult): string | null {
  return result === null ? null : result.code;
}

// Every valid value below was checked by computing its check digits by hand-written reference code, not
// taken on trust. "Real" values are public requisites of large companies and banks; "constructed" ones
// were built by computing the check digit for a chosen prefix, to cover edge cases real values miss.

describe('validateLegalEntityInn', () => {
  it.each([
    ['7707083893', 'Sberbank'],
    ['7736050003', 'Gazprom'],
    ['7728168971', 'Alfa-Bank'],
    ['7707083950', 'constructed: weighted sum mod 11 is 10, so the check digit is 0'],
  ])('accepts the valid 10-digit ИНН %s (%s)', (inn) => {
    expect(validateLegalEntityInn(inn)).toBeNull();
  });

  it.each([
    ['7707083894', 'inn_checksum', 'the check digit changed'],
    ['7707083393', 'inn_checksum', 'a middle digit changed'],
    ['770708389', 'inn_length', 'one digit short'],
    ['77070838930', 'inn_length', 'one digit too many'],
    ['500100732259', 'inn_length', 'a valid 12-digit person ИНН'],
    ['77070838 3', 'inn_characters', 'a space inside'],
    [' 7707083893', 'inn_characters', 'a leading space (not trimmed)'],
    ['770708389З', 'inn_characters', 'a Cyrillic letter З instead of 3'],
    ['7707-083893', 'inn_characters', 'a dash'],
    ['', 'inn_required', 'empty'],
  ])('rejects %j with %s (%s)', (inn, code) => {
    expect(codeOf(validateLegalEntityInn(inn))).toBe(code);
  });
});

describe('validatePersonInn', () => {
  it.each([
    ['500100732259', 'real-format example of an individual ИНН'],
    ['366316608106', 'real-format example of an individual ИНН'],
    ['770712345633', 'constructed from the prefix 7707123456'],
  ])('accepts the valid 12-digit ИНН %s (%s)', (inn) => {
    expect(validatePersonInn(inn)).toBeNull();
  });

  it.each([
    ['500100732258', 'inn_checksum', 'the second check digit changed'],
    ['500100732249', 'inn_checksum', 'the first check digit changed'],
    ['500100733259', 'inn_checksum', 'a digit before the check digits changed'],
    ['7707083893', 'inn_length', 'a valid 10-digit legal entity ИНН'],
    ['5001007322590', 'inn_length', 'one digit too many'],
    ['50010073225', 'inn_length', 'one digit short'],
    ['50010073225O', 'inn_characters', 'a letter O instead of zero'],
    ['', 'inn_required', 'empty'],
  ])('rejects %j with %s (%s)', (inn, code) => {
    expect(codeOf(validatePersonInn(inn))).toBe(code);
  });
});

describe('validateKpp', () => {
  it.each([
    ['773601001', 'Sberbank'],
    ['770401001', 'an ordinary Moscow КПП'],
    ['7736AB001', 'capital Latin letters in the reason code'],
    ['77360A001', 'one capital Latin letter in the reason code'],
  ])('accepts the КПП %s (%s)', (kpp) => {
    expect(validateKpp(kpp)).toBeNull();
  });

  it.each([
    ['A73601001', 'kpp_format', 'a letter in the tax office code'],
    ['7736010A1', 'kpp_format', 'a letter in the sequence number'],
    ['7736ab001', 'kpp_characters', 'lower-case letters'],
    ['7736АВ001', 'kpp_characters', 'Cyrillic letters that look Latin'],
    ['7736 01001', 'kpp_characters', 'a space'],
    ['77360100', 'kpp_length', 'one character short'],
    ['7736010011', 'kpp_length', 'one character too many'],
    ['', 'kpp_required', 'empty'],
  ])('rejects %j with %s (%s)', (kpp, code) => {
    expect(codeOf(validateKpp(kpp))).toBe(code);
  });
});

describe('validateOgrn', () => {
  it.each([
    ['1027700132195', 'Sberbank'],
    ['1027700070518', 'Gazprom'],
    ['1027739609391', 'VTB'],
    ['1027700132240', 'constructed: the first 12 digits mod 11 are 10, so the check digit is 0'],
  ])('accepts the valid ОГРН %s (%s)', (ogrn) => {
    expect(validateOgrn(ogrn)).toBeNull();
  });

  it.each([
    ['1027700132196', 'ogrn_checksum', 'the check digit changed'],
    ['1027700182195', 'ogrn_checksum', 'a middle digit changed'],
    ['102770013219', 'ogrn_length', 'one digit short'],
    ['304500116000157', 'ogrn_length', 'a valid ОГРНИП'],
    ['10277001321 5', 'ogrn_characters', 'a space'],
    ['1027700132l95', 'ogrn_characters', 'a letter l instead of 1'],
    ['', 'ogrn_required', 'empty'],
  ])('rejects %j with %s (%s)', (ogrn, code) => {
    expect(codeOf(validateOgrn(ogrn))).toBe(code);
  });
});

describe('validateOgrnip', () => {
  it.each([
    ['304500116000157', 'real-format example'],
    ['318774600001230', 'constructed from the prefix 31877460000123'],
    ['304500116000180', 'constructed: the first 14 digits mod 13 are 10, so the check digit is 0'],
  ])('accepts the valid ОГРНИП %s (%s)', (ogrnip) => {
    expect(validateOgrnip(ogrnip)).toBeNull();
  });

  it.each([
    ['304500116000158', 'ogrnip_checksum', 'the check digit changed'],
    ['304500116100157', 'ogrnip_checksum', 'a middle digit changed'],
    ['30450011600015', 'ogrnip_length', 'one digit short'],
    ['1027700132195', 'ogrnip_length', 'a valid 13-digit ОГРН'],
    ['30450011600015x', 'ogrnip_characters', 'a letter'],
    ['', 'ogrnip_required', 'empty'],
  ])('rejects %j with %s (%s)', (ogrnip, code) => {
    expect(codeOf(validateOgrnip(ogrnip))).toBe(code);
  });
});

describe('validateBik', () => {
  it.each([
    ['044525225', 'Sberbank'],
    ['044525593', 'Alfa-Bank'],
    ['044525974', 'T-Bank'],
    ['049805000', 'the Bank of Russia division from the Central Bank’s own example'],
  ])('accepts the БИК %s (%s)', (bik) => {
    expect(validateBik(bik)).toBeNull();
  });

  it.each([
    ['144525225', 'bik_prefix', 'a БИК not starting with 04'],
    ['004525988', 'bik_prefix', 'a treasury БИК'],
    ['04452522', 'bik_length', 'one digit short'],
    ['0445252250', 'bik_length', 'one digit too many'],
    ['04452522S', 'bik_characters', 'a letter'],
    ['044 525 225', 'bik_characters', 'spaces between groups'],
    ['', 'bik_required', 'empty'],
  ])('rejects %j with %s (%s)', (bik, code) => {
    expect(codeOf(validateBik(bik))).toBe(code);
  });
});

describe('validateBankAccount', () => {
  it.each([
    ['40702810938000000001', '044525225', 'a company account at Sberbank'],
    ['40602810700000000025', '049805746', 'the Central Bank’s own worked example'],
    ['40702810900000000025', '044514512', 'a widely published worked example'],
    ['40702810610000000001', '044525974', 'constructed for T-Bank'],
    ['40802810801860000001', '044525593', 'constructed ИП account at Alfa-Bank'],
  ])('accepts the account %s keyed with БИК %s (%s)', (account, bik) => {
    expect(validateBankAccount(account, bik)).toBeNull();
  });

  it.each([
    ['40702810938000000002', '044525225', 'bank_account_checksum', 'the last digit changed'],
    ['40702810038000000001', '044525225', 'bank_account_checksum', 'the control key changed'],
    ['40702810938000000001', '044525593', 'bank_account_checksum', 'a valid account with another bank’s БИК'],
    ['40702810938000000001', '', 'bank_account_bik_invalid', 'no БИК to key it with'],
    ['40702810938000000001', '144525225', 'bank_account_bik_invalid', 'a БИК with the wrong prefix'],
    ['4070281093800000000', '044525225', 'bank_account_length', 'one digit short'],
    ['407028109380000000011', '044525225', 'bank_account_length', 'one digit too many'],
    ['40702 810938000000001', '044525225', 'bank_account_characters', 'a space'],
    ['4070281093800000000I', '044525225', 'bank_account_characters', 'a letter I instead of 1'],
    ['', '044525225', 'bank_account_required', 'empty'],
    ['', '', 'bank_account_required', 'empty, with an empty БИК too'],
  ])('rejects %j with БИК %j as %s (%s)', (account, bik, code) => {
    expect(codeOf(validateBankAccount(account, bik))).toBe(code);
  });
});

describe('validateCorrespondentAccount', () => {
  it.each([
    ['30101810400000000225', '044525225', 'Sberbank'],
    ['30101810200000000593', '044525593', 'Alfa-Bank'],
    ['30101810145250000974', '044525974', 'T-Bank'],
    ['30101810800000000746', '049805000', 'the Central Bank’s own worked example'],
  ])('accepts the correspondent account %s keyed with БИК %s (%s)', (account, bik) => {
    expect(validateCorrespondentAccount(account, bik)).toBeNull();
  });

  it.each([
    ['30101810400000000226', '044525225', 'correspondent_account_checksum', 'the last digit changed'],
    ['30101810500000000225', '044525225', 'correspondent_account_checksum', 'the control key changed'],
    [
      '30101810800000000746',
      '044525225',
      'correspondent_account_checksum',
      'another bank’s БИК with other digits 5–6',
    ],
    ['40702810938000000001', '044525225', 'correspondent_account_prefix', 'a settlement account'],
    ['30102810400000000225', '044525225', 'correspondent_account_prefix', 'the wrong balance account'],
    ['30101810400000000225', '04452522', 'correspondent_account_bik_invalid', 'a БИК one digit short'],
    ['3010181040000000022', '044525225', 'correspondent_account_length', 'one digit short'],
    ['301018104000000002250', '044525225', 'correspondent_account_length', 'one digit too many'],
    ['30101-810400000000225', '044525225', 'correspondent_account_characters', 'a dash'],
    ['', '044525225', 'correspondent_account_required', 'empty'],
  ])('rejects %j with БИК %j as %s (%s)', (account, bik, code) => {
    expect(codeOf(validateCorrespondentAccount(account, bik))).toBe(code);
  });

  it('keys a correspondent account with "0" and digits 5–6 of the БИК, not with its last three digits', () => {
    // With the settlement-account scheme (last three БИК digits) this pair would fail; it is the Central
    // Bank's own example, so the correspondent scheme must be the one applied.
    expect(validateBankAccount('30101810800000000746', '049805000')).not.toBeNull();
    expect(validateCorrespondentAccount('30101810800000000746', '049805000')).toBeNull();
  });
});

describe('passport series and number', () => {
  it('accepts a 4-digit series and a 6-digit number', () => {
    expect(validatePassportSeries('4512')).toBeNull();
    expect(validatePassportNumber('345678')).toBeNull();
  });

  it.each([
    ['45 12', 'passport_series_characters'],
    ['451', 'passport_series_length'],
    ['', 'passport_series_required'],
  ])('rejects the series %j with %s', (series, code) => {
    expect(codeOf(validatePassportSeries(series))).toBe(code);
  });

  it.each([
    ['34567', 'passport_number_length'],
    ['34567A', 'passport_number_characters'],
    ['', 'passport_number_required'],
  ])('rejects the number %j with %s', (number, code) => {
    expect(codeOf(validatePassportNumber(number))).toBe(code);
  });
});

describe('maskPassport', () => {
  it('shows the first two digits of the series and the last three of the number', () => {
    expect(maskPassport('4512', '345678')).toBe('45 ** ***678');
  });

  it('ignores spaces typed inside the series and the number', () => {
    expect(maskPassport('45 12', '345 678')).toBe('45 ** ***678');
  });

  it.each([
    ['451', '345678'],
    ['4512', '34567'],
    ['', ''],
    ['45AB', '345678'],
    ['4512', '3456789012'],
  ])('masks the malformed pair %j / %j completely, without revealing its length', (series, number) => {
    expect(maskPassport(series, number)).toBe('** ** ******');
  });
});

describe('error messages', () => {
  it('words a wrong ИНН check digit in both languages', () => {
    expect(validateLegalEntityInn('7707083894')).toEqual({
      code: 'inn_checksum',
      message: { ru: 'ИНН: неверная контрольная цифра', en: 'INN: wrong check digit' },
    });
  });

  it('states the required length with the right Russian plural', () => {
    expect(validatePersonInn('123')?.message).toEqual({
      ru: 'ИНН: нужно 12 цифр',
      en: 'INN: must be 12 digits',
    });
    expect(validateBik('123')?.message.ru).toBe('БИК: нужно 9 цифр');
    expect(validatePassportSeries('1')?.message.ru).toBe('Серия паспорта: нужно 4 цифры');
  });

  it.each([
    ['ИНН', validateLegalEntityInn('x')],
    ['КПП', validateKpp('x')],
    ['ОГРН', validateOgrn('x')],
    ['ОГРНИП', validateOgrnip('x')],
    ['БИК', validateBik('x')],
    ['Расчётный счёт', validateBankAccount('x', '044525225')],
    ['Корр. счёт', validateCorrespondentAccount('x', '044525225')],
  ])('starts every %s message with the field name, in both languages', (labelRu, result) => {
    expect(result?.message.ru.startsWith(`${labelRu}: `)).toBe(true);
    expect(result?.message.en).toMatch(/^[A-Z][A-Za-z ]+: \S/);
  });
});

describe('robustness', () => {
  const validators: Array<[string, (value: string) => RequisiteResult]> = [
    ['validateLegalEntityInn', validateLegalEntityInn],
    ['validatePersonInn', validatePersonInn],
    ['validateKpp', validateKpp],
    ['validateOgrn', validateOgrn],
    ['validateOgrnip', validateOgrnip],
    ['validateBik', validateBik],
    ['validateBankAccount', (value) => validateBankAccount(value, '044525225')],
    ['validateCorrespondentAccount', (value) => validateCorrespondentAccount(value, '044525225')],
  ];

  it.each(validators)(
    '%s never throws and returns null or a coded, worded error for any string',
    (_, validate) => {
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9]{0,21}$/)), (value) => {
          const result = validate(value);
          if (result !== null) {
            expect(result.code).toMatch(/^[a-z_]+$/);
            expect(result.message.ru.length).toBeGreaterThan(0);
            expect(result.message.en.length).toBeGreaterThan(0);
          }
        }),
      );
    },
  );
});

describe('validateRequisiteAt', () => {
  const values: Record<string, string> = {
    inn: '500100732259',
    ogrn: '304500116000157',
    'bank.bik': '044525226',
    'bank.account': '40702810938000000001',
  };
  const at = (path: string, legalEntity = false) =>
    validateRequisiteAt(path, legalEntity, (p) => values[p] ?? '');

  it('checks the ИНН and ОГРН in the form of the kind', () => {
    expect(at('inn')).toBeNull();
    expect(codeOf(at('inn', true)!)).toBe('inn_length');
    expect(at('ogrn')).toBeNull();
    expect(codeOf(at('ogrn', true)!)).toBe('ogrn_length');
  });

  it('leaves an account keyed with a bad БИК to the БИК, and knows no other paths', () => {
    expect(codeOf(validateRequisiteAt('bank.bik', false, () => '123')!)).toBe('bik_length');
    expect(
      validateRequisiteAt('bank.account', false, (p) => (p === 'bank.bik' ? '123' : values[p]!)),
    ).toBeNull();
    expect(codeOf(at('bank.account')!)).toBe('bank_account_checksum');
    expect(at('name')).toBeUndefined();
  });
});
