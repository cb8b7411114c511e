/**
 * Russian requisites: format and check-digit validation of ИНН, КПП, ОГРН, ОГРНИП, БИК, settlement and
 * correspondent accounts, plus passport masking.
 *
 * The server uses these validators in zod refinements and the widget uses them for inline messages, so
 * both sides reject exactly the same values with exactly the same words. Everything here is pure: plain
 * strings in, plain values out, no I/O and no dependencies, so it bundles into the widget unchanged.
 *
 * Every validator returns `null` for a valid value or one `RequisiteError`. Checks run from the cheapest to
 * the most specific (empty → characters → length → format → check digit), so the user is told the first
 * thing to fix rather than a checksum failure caused by a stray space.
 *
 * Validators never trim or normalise their input: a value that passes is a value that may be stored and
 * printed on an invoice as is. The widget may strip spaces before calling if it wants to be forgiving.
 */

/** A user-facing message in both interface languages, Russian first as everywhere in the product. */
export interface LocalizedMessage {
  ru: string;
  en: string;
}

/** The requisite a code refers to; it is also the prefix of every code about that requisite. */
export type RequisiteKind =
  | 'inn'
  | 'kpp'
  | 'ogrn'
  | 'ogrnip'
  | 'bik'
  | 'bank_account'
  | 'correspondent_account'
  | 'passport_series'
  | 'passport_number';

/**
 * The closed set of error codes. Clients may branch on a code; the message is for people and may change.
 *
 * - `*_required`: the value is empty.
 * - `*_characters`: the value contains something other than the allowed characters (letters, spaces, dashes).
 * - `*_length`: only allowed characters, but not the required number of them.
 * - `*_checksum`: well-formed, but a check digit (or the account's control key) does not match.
 * - `kpp_format`: a letter outside positions 5–6 of a КПП.
 * - `bik_prefix`: a БИК that does not start with 04, so it is not a Russian bank's.
 * - `correspondent_account_prefix`: a correspondent account that does not start with 30101.
 * - `*_bik_invalid`: the account cannot be checked because the БИК it is keyed with is itself invalid.
 */
export type RequisiteErrorCode =
  | `${RequisiteKind}_required`
  | `${RequisiteKind}_characters`
  | `${RequisiteKind}_length`
  | 'inn_checksum'
  | 'kpp_format'
  | 'ogrn_checksum'
  | 'ogrnip_checksum'
  | 'bik_prefix'
  | 'bank_account_checksum'
  | 'bank_account_bik_invalid'
  | 'correspondent_account_prefix'
  | 'correspondent_account_checksum'
  | 'correspondent_account_bik_invalid';

export interface RequisiteError {
  code: RequisiteErrorCode;
  message: LocalizedMessage;
}

/** What every validator returns: `null` when the value is valid. */
export type RequisiteResult = RequisiteError | null;

/** Field names as people say them; they start every message so it reads well without the form around it. */
const LABELS: Record<RequisiteKind, LocalizedMessage> = {
  inn: { ru: 'ИНН', en: 'INN' },
  kpp: { ru: 'КПП', en: 'KPP' },
  ogrn: { ru: 'ОГРН', en: 'OGRN' },
  ogrnip: { ru: 'ОГРНИП', en: 'OGRNIP' },
  bik: { ru: 'БИК', en: 'BIK' },
  bank_account: { ru: 'Расчётный счёт', en: 'Settlement account' },
  correspondent_account: { ru: 'Корр. счёт', en: 'Correspondent account' },
  passport_series: { ru: 'Серия паспорта', en: 'Passport series' },
  passport_number: { ru: 'Номер паспорта', en: 'Passport number' },
};

function requisiteError(
  kind: RequisiteKind,
  code: RequisiteErrorCode,
  ru: string,
  en: string,
): RequisiteError {
  const label = LABELS[kind];
  return { code, message: { ru: `${label.ru}: ${ru}`, en: `${label.en}: ${en}` } };
}

/** An empty value, worded alike for every requisite. */
function requiredError(kind: RequisiteKind): RequisiteError {
  return requisiteError(kind, `${kind}_required`, 'не заполнено', 'required');
}

/** A wrong check digit of an ИНН, ОГРН or ОГРНИП. */
function checkDigitError(kind: 'inn' | 'ogrn' | 'ogrnip'): RequisiteError {
  return requisiteError(kind, `${kind}_checksum`, 'неверная контрольная цифра', 'wrong check digit');
}

const ONLY_ASCII_DIGITS = /^[0-9]+$/;

/**
 * The checks shared by every all-digit requisite. `[0-9]` rather than `\d` documents that only ASCII digits
 * pass; full-width or Arabic-Indic digits pasted from elsewhere are "wrong characters".
 */
function checkDigitString(kind: RequisiteKind, value: string, length: number): RequisiteResult {
  if (value.length === 0) return requiredError(kind);
  if (!ONLY_ASCII_DIGITS.test(value)) {
    return requisiteError(
      kind,
      `${kind}_characters`,
      'только цифры, без пробелов и букв',
      'digits only, no spaces or letters',
    );
  }
  if (value.length !== length) {
    return requisiteError(
      kind,
      `${kind}_length`,
      `нужно ${length} ${pluralDigitsRu(length)}`,
      `must be ${length} digits`,
    );
  }
  return null;
}

/** A digit string that must also start with `prefix.prefix`: `*_prefix` in the requisite's own words otherwise. */
function checkPrefixedDigitString(
  kind: 'bik' | 'correspondent_account',
  value: string,
  length: number,
  prefix: { prefix: string; ru: string; en: string },
): RequisiteResult {
  const formatError = checkDigitString(kind, value, length);
  if (formatError || value.startsWith(prefix.prefix)) return formatError;
  return requisiteError(kind, `${kind}_prefix`, prefix.ru, prefix.en);
}

/** Russian needs the plural form that agrees with the number; the lengths used here are all ≥ 2. */
function pluralDigitsRu(count: number): string {
  const lastTwo = count % 100;
  const last = count % 10;
  if (lastTwo >= 11 && lastTwo <= 14) return 'цифр';
  if (last === 1) return 'цифра';
  if (last >= 2 && last <= 4) return 'цифры';
  return 'цифр';
}

function digitAt(value: string, index: number): number {
  return value.charCodeAt(index) - 48;
}

/** Σ digit × weight over the first `weights.length` digits: the core of the ИНН check digits. */
function weightedSum(value: string, weights: readonly number[]): number {
  let sum = 0;
  for (let index = 0; index < weights.length; index += 1) {
    sum += digitAt(value, index) * (weights[index] ?? 0);
  }
  return sum;
}

/**
 * The remainder of a long decimal string divided by `divisor`, digit by digit. ОГРНИП's 14-digit prefix
 * still fits a double exactly, but this way correctness does not depend on that, and no BigInt is needed.
 */
function decimalRemainder(digits: string, divisor: number): number {
  let remainder = 0;
  for (let index = 0; index < digits.length; index += 1) {
    remainder = (remainder * 10 + digitAt(digits, index)) % divisor;
  }
  return remainder;
}

// ИНН weights from the ФНС check-digit algorithm. Each check digit is (Σ digit × weight mod 11) mod 10;
// the 12-digit ИНН has two check digits, the second covering the first.
const INN_10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8] as const;
const INN_12_FIRST_WEIGHTS = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const;
const INN_12_SECOND_WEIGHTS = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8] as const;

function innCheckDigit(value: string, weights: readonly number[]): number {
  return (weightedSum(value, weights) % 11) % 10;
}

/** ИНН of a legal entity: 10 digits, the last one a check digit. */
export function validateLegalEntityInn(value: string): RequisiteResult {
  const formatError = checkDigitString('inn', value, 10);
  if (formatError) return formatError;
  if (innCheckDigit(value, INN_10_WEIGHTS) !== digitAt(value, 9)) return checkDigitError('inn');
  return null;
}

/**
 * ИНН of a person: 12 digits, the last two check digits. Sole proprietors (ИП) and the self-employed are
 * registered as persons, so both use this form.
 */
export function validatePersonInn(value: string): RequisiteResult {
  const formatError = checkDigitString('inn', value, 12);
  if (formatError) return formatError;
  if (
    innCheckDigit(value, INN_12_FIRST_WEIGHTS) !== digitAt(value, 10) ||
    innCheckDigit(value, INN_12_SECOND_WEIGHTS) !== digitAt(value, 11)
  ) {
    return checkDigitError('inn');
  }
  return null;
}

const KPP_ALLOWED_CHARACTERS = /^[0-9A-Z]+$/;
// НННН (tax office code) · ПП (reason code, digits or capital Latin letters since 2013) · ННН (number).
const KPP_FORMAT = /^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$/;

/**
 * КПП: 9 characters in the ФНС format. It has no check digit, so a well-formed КПП is all that can be
 * verified. Lower-case and Cyrillic letters are rejected because the format allows capital Latin only,
 * and a Cyrillic «А» that looks Latin would otherwise slip into documents.
 */
export function validateKpp(value: string): RequisiteResult {
  if (value.length === 0) return requiredError('kpp');
  if (!KPP_ALLOWED_CHARACTERS.test(value)) {
    return requisiteError(
      'kpp',
      'kpp_characters',
      'только цифры и заглавные латинские буквы',
      'digits and capital Latin letters only',
    );
  }
  if (value.length !== 9) {
    return requisiteError('kpp', 'kpp_length', 'нужно 9 символов', 'must be 9 characters');
  }
  if (!KPP_FORMAT.test(value)) {
    return requisiteError(
      'kpp',
      'kpp_format',
      'буквы допустимы только на 5-й и 6-й позициях',
      'letters are allowed only in positions 5 and 6',
    );
  }
  return null;
}

/**
 * ОГРН and ОГРНИП share one rule: `length` digits, the last of which is (all the others as a number mod
 * `modulus`) mod 10.
 */
function validateRegistrationNumber(
  kind: 'ogrn' | 'ogrnip',
  value: string,
  length: number,
  modulus: number,
): RequisiteResult {
  const formatError = checkDigitString(kind, value, length);
  if (formatError) return formatError;
  if (decimalRemainder(value.slice(0, length - 1), modulus) % 10 !== digitAt(value, length - 1)) {
    return checkDigitError(kind);
  }
  return null;
}

/** ОГРН of a legal entity: 13 digits; the last is (first 12 as a number mod 11) mod 10. */
export function validateOgrn(value: string): RequisiteResult {
  return validateRegistrationNumber('ogrn', value, 13, 11);
}

/** ОГРНИП of a sole proprietor: 15 digits; the last is (first 14 as a number mod 13) mod 10. */
export function validateOgrnip(value: string): RequisiteResult {
  return validateRegistrationNumber('ogrnip', value, 15, 13);
}

/**
 * БИК: 9 digits. It carries no check digit of its own; it is verified through the accounts keyed with it.
 * Russian banks' БИКи start with 04 (the country code), which also rules out treasury БИКи that partners
 * never receive payouts to.
 */
export function validateBik(value: string): RequisiteResult {
  return checkPrefixedDigitString('bik', value, 9, {
    prefix: '04',
    ru: 'у российского банка начинается с 04',
    en: "a Russian bank's BIK starts with 04",
  });
}

// The Central Bank's control key («Порядок расчёта контрольного ключа в номере лицевого счёта»,
// ЦБ РФ 08.09.1997 № 515): a 23-digit string of 3 БИК-derived digits and the 20-digit account, weights
// 7,1,3 repeated; the account is valid when the weighted sum ends in 0. Multiplying whole digits is
// equivalent to the official "take the last digit of each product" because only the sum mod 10 matters.
const ACCOUNT_KEY_WEIGHTS = [7, 1, 3] as const;

function accountKeyMatches(bikPart: string, account: string): boolean {
  const keyed = bikPart + account;
  let sum = 0;
  for (let index = 0; index < keyed.length; index += 1) {
    sum += digitAt(keyed, index) * (ACCOUNT_KEY_WEIGHTS[index % 3] ?? 0);
  }
  return sum % 10 === 0;
}

/**
 * The last checks of an account keyed with a БИК: the БИК must be valid for the account to be checked at all,
 * and then the control key over `bikPart` and the account must match.
 */
function checkAccountKey(
  kind: 'bank_account' | 'correspondent_account',
  account: string,
  bik: string,
  bikPart: string,
): RequisiteResult {
  if (validateBik(bik) !== null) {
    return requisiteError(
      kind,
      `${kind}_bik_invalid`,
      'сначала укажите верный БИК',
      'enter a valid BIK first',
    );
  }
  if (!accountKeyMatches(bikPart, account)) {
    return requisiteError(
      kind,
      `${kind}_checksum`,
      'не сходится с БИК, проверьте счёт и БИК',
      'does not match the BIK; check the account and the BIK',
    );
  }
  return null;
}

/**
 * Settlement account (расчётный счёт): 20 digits, keyed with the last 3 digits of the bank's БИК, which
 * identify the credit institution. A wrong key means either the account or the БИК is mistyped, so the
 * message asks to check both. When the БИК is invalid the account cannot be checked at all; that is its
 * own error rather than a silent pass, so a caller that checks only the account never accepts a bad pair.
 */
export function validateBankAccount(account: string, bik: string): RequisiteResult {
  return (
    checkDigitString('bank_account', account, 20) ??
    checkAccountKey('bank_account', account, bik, bik.slice(6, 9))
  );
}

/**
 * Correspondent account (корр. счёт): 20 digits starting with 30101, the balance account of a bank's
 * account at the Central Bank. It is opened at a Bank of Russia division, so it is keyed with that
 * division's conditional number: "0" followed by digits 5–6 of the БИК.
 */
export function validateCorrespondentAccount(account: string, bik: string): RequisiteResult {
  const prefix = { prefix: '30101', ru: 'должен начинаться с 30101', en: 'must start with 30101' };
  return (
    checkPrefixedDigitString('correspondent_account', account, 20, prefix) ??
    checkAccountKey('correspondent_account', account, bik, `0${bik.slice(4, 6)}`)
  );
}

/** Passport series: 4 digits (region code and year of the blank). There is no check digit. */
export function validatePassportSeries(value: string): RequisiteResult {
  return checkDigitString('passport_series', value, 4);
}

/** Passport number: 6 digits. There is no check digit. */
export function validatePassportNumber(value: string): RequisiteResult {
  return checkDigitString('passport_number', value, 6);
}

/**
 * The check of a registration's requisite by its API path (`inn`, `bank.bik`, …), as the server makes it:
 * the ИНН and ОГРН in the form for a legal entity or a person, and an account keyed with an invalid БИК
 * left to the БИК's own error, so the mistake is reported once. `undefined` for a path that is no
 * requisite (the name, contacts); `digitsAt` reads a field's value with spaces and dashes removed.
 */
export function validateRequisiteAt(
  path: string,
  legalEntity: boolean,
  digitsAt: (path: string) => string,
): RequisiteResult | undefined {
  const bik = digitsAt('bank.bik');
  switch (path) {
    case 'inn':
      return (legalEntity ? validateLegalEntityInn : validatePersonInn)(digitsAt(path));
    case 'kpp':
      return validateKpp(digitsAt(path));
    case 'ogrn':
      return (legalEntity ? validateOgrn : validateOgrnip)(digitsAt(path));
    case 'passport.series':
      return validatePassportSeries(digitsAt(path));
    case 'passport.number':
      return validatePassportNumber(digitsAt(path));
    case 'bank.bik':
      return validateBik(bik);
    case 'bank.account': {
      const result = validateBankAccount(digitsAt(path), bik);
      return result?.code === 'bank_account_bik_invalid' ? null : result;
    }
    case 'bank.correspondentAccount': {
      const result = validateCorrespondentAccount(digitsAt(path), bik);
      return result?.code === 'correspondent_account_bik_invalid' ? null : result;
    }
    default:
      return undefined;
  }
}

const MASKED_PASSPORT_UNKNOWN = '** ** ******';

/**
 * The only form in which passport data leaves the server: `"45 ** ***678"` for series 4512, number 345678.
 * Enough for the partner to recognise its own document, too little to reconstruct it.
 *
 * Spaces are ignored because the series is often typed as "45 12". Anything that is not a 4-digit series
 * and a 6-digit number is masked completely: showing "the first two and last three" of a malformed value
 * could reveal most of it, and the output always has the same shape so even the length is not leaked.
 */
/** A person's ИНН for display: the region code and the check digits, the rest hidden (5001******59). */
export function maskInn(inn: string): string {
  const digits = inn.replace(/\s+/g, '');
  return `${digits.slice(0, 4)}${'*'.repeat(Math.max(0, digits.length - 6))}${digits.slice(-2)}`;
}

export function maskPassport(series: string, number: string): string {
  const seriesDigits = series.replace(/\s+/g, '');
  const numberDigits = number.replace(/\s+/g, '');
  if (!/^[0-9]{4}$/.test(seriesDigits) || !/^[0-9]{6}$/.test(numberDigits)) {
    return MASKED_PASSPORT_UNKNOWN;
  }
  return `${seriesDigits.slice(0, 2)} ** ***${numberDigits.slice(3)}`;
}
