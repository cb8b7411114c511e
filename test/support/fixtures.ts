/** Bank requisites that pass the real checksum (BIK 044525225 with its correspondent account), for test partners. */
export const TEST_BANK = {
  bik: '044525225',
  account: '40702810938000000001',
  correspondentAccount: '30101810400000000225',
  bankName: 'ПАО Сбербанк',
};
