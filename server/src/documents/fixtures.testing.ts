import type { InvoiceDocument, Party, StatementDocument } from './document';
import { CARD_PAYMENT_NOTICE, rewardInvoiceLine } from './invoice.pdf';

/** Sample parties and documents shared by the document tests (and by the sample rendering). */

export const vendor: Party = {
  kind: 'legal_entity',
  name: 'ООО «ЛидСендер»',
  inn: '7707083893',
  kpp: '773601001',
  ogrn: '1027700132195',
  address: '117997, г. Москва, ул. Вавилова, д. 19',
  phone: '+7 495 500-55-50',
  bank: {
    bankName: 'ПАО Сбербанк, г. Москва',
    bik: '044525225',
    account: '40702810938000012345',
    correspondentAccount: '30101810400000000225',
  },
  signatory: { position: 'Генеральный директор', name: 'Смирнов А. В.' },
};

export const soleProprietor: Party = {
  kind: 'sole_proprietor',
  name: 'ИП Иванов Иван Иванович',
  inn: '500100732259',
  ogrn: '304500116000157',
  address: '141400, Московская обл., г. Химки, ул. Ленина, д. 1, кв. 2',
  bank: {
    bankName: 'АО «ТБанк», г. Москва',
    bik: '044525974',
    account: '40802810100000123456',
    correspondentAccount: '30101810145250000974',
  },
};

export const selfEmployed: Party = {
  kind: 'self_employed',
  name: 'Петрова Мария Сергеевна',
  inn: '772345678901',
  bank: {
    bankName: 'АО «Альфа-Банк», г. Москва',
    bik: '044525593',
    account: '40817810000000654321',
    correspondentAccount: '30101810200000000593',
  },
};

/** The partner's reward invoice for 12 000,00 ₽ of accrued `vendor_direct` rewards. */
export const rewardInvoice: InvoiceDocument = {
  kind: 'reward',
  number: 'П-15',
  issuedOn: '2026-12-01',
  currency: 'RUB',
  seller: soleProprietor,
  buyer: vendor,
  lines: [rewardInvoiceLine(1_200_000n)],
  vatMode: 'none',
  basis: 'Договор привлечения новых пользователей № 12 от 1 ноября 2026 г.',
};

/** The vendor's net invoice to a partner for a 12 000,00 ₽ `partner_net` sale (50 % reward kept). */
export const netInvoice: InvoiceDocument = {
  kind: 'net',
  number: 'НС-2026-0042',
  issuedOn: '2026-11-20',
  currency: 'RUB',
  seller: vendor,
  buyer: soleProprietor,
  lines: [
    {
      name: 'Лицензия на виджет «Рассылки» для аккаунта amoCRM 31234567 на 12 месяцев (цена по прайсу 12 000,00 руб. за вычетом вознаграждения партнёра 50 %)',
      quantity: 1,
      unit: 'шт.',
      priceMinor: 600_000n,
    },
  ],
  vatMode: 'vat20',
  payUntil: '2026-11-30',
  notes: [CARD_PAYMENT_NOTICE],
};

export const statement: StatementDocument = {
  number: 'О-2026-11-7',
  partner: {
    name: 'ИП Иванов Иван Иванович',
    accountId: 29876543,
    kind: 'sole_proprietor',
    inn: '500100732259',
  },
  vendorName: 'ООО «ЛидСендер»',
  periodFrom: '2026-11-01',
  periodTo: '2026-11-30',
  generatedAt: '2026-12-01',
  currency: 'RUB',
  rows: [
    {
      kind: 'payment',
      date: '2026-11-03',
      paymentId: 'bill-1001',
      clientAccountId: 31234567,
      clientName: 'ООО «Альфа»',
      channel: 'vendor_direct',
      grossMinor: 1_200_000n,
      rateBps: 4000,
      commissionMinor: 480_000n,
      payable: true,
      calculation: 'Вознаграждение за оплату закреплённого клиента: 12 000,00 ₽ × 40 % = 4 800,00 ₽',
    },
    {
      kind: 'payment',
      date: '2026-11-10',
      paymentId: 'bill-1002',
      clientAccountId: 31234568,
      clientName: 'ИП Сидоров; «Бета»',
      channel: 'partner_net',
      grossMinor: 1_200_000n,
      rateBps: 5000,
      commissionMinor: 600_000n,
      payable: false,
      calculation: 'Вознаграждение за оплату закреплённого клиента: 12 000,00 ₽ × 50 % = 6 000,00 ₽',
    },
    {
      kind: 'payment',
      date: '2026-11-15',
      paymentId: 'bill-1003',
      clientAccountId: 31234569,
      channel: 'vendor_direct',
      grossMinor: 33_333n,
      rateBps: 4000,
      commissionMinor: 13_333n,
      payable: false,
      reason: 'no_contract',
      calculation: '333,33 ₽ × 40 % = 133,33 ₽',
    },
    {
      kind: 'refund',
      date: '2026-11-20',
      paymentId: 'bill-1001',
      clientAccountId: 31234567,
      clientName: 'ООО «Альфа»',
      channel: 'vendor_direct',
      grossMinor: 300_000n,
      rateBps: 4000,
      commissionMinor: 120_000n,
      payable: true,
      calculation: 'Возврат 3 000,00 ₽ из 12 000,00 ₽: вознаграждение 4 800,00 ₽ уменьшено на 1 200,00 ₽',
    },
  ],
  balance: { openingMinor: 0n, paidOutMinor: 0n, closingMinor: 360_000n },
  program: {
    title: 'Партнёрская программа LeadSender: пожизненное вознаграждение за закреплённых клиентов',
    terms: [
      'Клиент закрепляется за партнёром, который первым зарегистрировал его аккаунт amoCRM.',
      'Возврат уменьшает вознаграждение пропорционально возвращённой сумме; уже выплаченное удерживается из следующих.',
    ],
  },
};
