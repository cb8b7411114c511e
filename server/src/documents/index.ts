/** The documents module: pure renderers of the program's Russian documents (PDF and CSV). */
export type * from './document';
export {
  amountInWords,
  formatAmount,
  formatAmountForSpreadsheet,
  formatPercent,
  formatRub,
} from './money-words';
export { formatDateLong, formatDateShort } from './dates';
export {
  CARD_PAYMENT_NOTICE,
  REWARD_INVOICE_LINE_NAME,
  computeInvoiceTotals,
  renderInvoicePdf,
  rewardInvoiceLine,
  validateInvoice,
  type InvoiceTotals,
} from './invoice.pdf';
export { renderStatementCsv, renderStatementPdf, statementTotals, type StatementTotals } from './statement';
export { renderCertificatePdf } from './certificate.pdf';
