/**
 * Invoices and documents: the vendor's net invoices (rule 15, `partner_net`) and the partner's reward
 * invoices (payouts), each openable as a PDF; asking for a net invoice, with the card/acquiring warning
 * shown *before* the partner chooses card; the partner certificate with its public verification link.
 */
import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { formatDate, parseAmountToMinor } from '../../format';
import type { Invoice, Partner, PartnerPin, PaymentOption } from '../../types';
import { itemsOf, type Page } from '../../types';
import { accountIdOf } from '../cardField';
import { tOr, useAction, useCtx, useLoad, usePaged } from '../ctx';
import {
  Badge,
  Button,
  DataTable,
  ErrorBox,
  Form,
  ListState,
  Money,
  Notice,
  RadioGroup,
  Section,
  SubmitRow,
  TextField,
  useFieldErrors,
  useFields,
} from '../kit';
import { openPdf, PdfButton } from '../Pdf';

const INVOICE_TONE: Record<string, string> = { issued: 'warn', paid: 'ok', cancelled: 'muted' };

export function InvoiceStatus({ invoice }: { invoice: Invoice }) {
  const { t, lang } = useCtx();
  return (
    <>
      <Badge tone={INVOICE_TONE[invoice.status] ?? 'muted'} data-invoice-status={invoice.status}>
        {tOr(t, `inv.status.${invoice.status}`, invoice.status)}
      </Badge>
      {invoice.paidAt && (
        <div class="amop-muted amop-small">
          {formatDate(invoice.paidAt, lang)}
          {invoice.paymentMethod
            ? ` · ${tOr(t, `inv.method.${invoice.paymentMethod}`, invoice.paymentMethod)}`
            : ''}
        </div>
      )}
    </>
  );
}

export function invoiceFilename(invoice: Invoice): string {
  return `invoice-${invoice.number.replace(/[^\w-]+/g, '_')}.pdf`;
}

/** What the invoice is for, from the server's own fields (client, product, gross − reward). */
export function InvoiceSubject({ invoice }: { invoice: Invoice }) {
  const { t } = useCtx();
  if (invoice.kind === 'reward') return <span class="amop-small">{t('inv.reward_line')}</span>;
  return (
    <span class="amop-small">
      {invoice.clientAccountId ? t('inv.for_client', { accountId: invoice.clientAccountId }) : ''}
      {invoice.productCode ? ` · ${invoice.productCode}` : ''}
      {invoice.grossMinor ? (
        <span class="amop-muted">
          {' '}
          · {t('inv.gross')} <Money minor={invoice.grossMinor} currency={invoice.currency} />
          {invoice.rewardMinor ? (
            <>
              {' '}
              − {t('inv.reward')} <Money minor={invoice.rewardMinor} currency={invoice.currency} />
            </>
          ) : null}
        </span>
      ) : null}
    </span>
  );
}

/** The card warning (rule 15): online acquiring brings only a receipt, no closing documents. */
export function CardWarning({ strong }: { strong?: boolean }) {
  const { t } = useCtx();
  return (
    <Notice tone={strong ? 'warn' : 'info'} data-card-warning={strong ? 'selected' : 'shown'}>
      {t('inv.card_warning')}
    </Notice>
  );
}

function NetInvoiceForm({ onCreated }: { onCreated(invoice: Invoice): void }) {
  const { t, lang, api } = useCtx();
  const listId = `amop-clients-${useId()}`;
  const pins = useLoad(
    (signal) => api.get<Page<PartnerPin>>('/api/v1/pins', { signal, query: { limit: 200 } }),
    [api],
  );
  // The server's own words for each way to pay (rule 15), shown before the partner chooses.
  const options = useLoad(
    (signal) => api.get<{ items: PaymentOption[] }>('/api/v1/net-invoices/payment-options', { signal }),
    [api],
  );
  const noteOf = (method: string) =>
    itemsOf(options.data).find((o) => o.method === method)?.note[lang] ?? t(`inv.method_note.${method}`);
  const { values, field } = useFields({ clientAccountId: '', productCode: '', grossMinor: '' });
  const [method, setMethod] = useState('bank');
  const request = useAction(async (key: string, body: unknown) => {
    const answer = await api.post<{ invoice: Invoice } | Invoice>('/api/v1/net-invoices', body, {
      idempotencyKey: key,
    });
    return 'invoice' in answer ? answer.invoice : answer;
  });
  const { shown, passes } = useFieldErrors(request.error, 'inv.invalid');

  const submit = async () => {
    const errors: Record<string, string> = {};
    const clientAccountId = accountIdOf(values.clientAccountId);
    const product = values.productCode.trim();
    const amount = values.grossMinor;
    // Empty amount: the server takes the price list's price for the product.
    const grossMinor = amount.trim() ? parseAmountToMinor(amount) : undefined;
    if (!clientAccountId) errors.clientAccountId = t('pin.err.account_id');
    if (!product) errors.productCode = t('inv.err.product');
    if (grossMinor === null) errors.grossMinor = t('inv.err.amount');
    if (!passes(errors)) return;
    const body: Record<string, unknown> = { clientAccountId, productCode: product };
    if (grossMinor) body.grossMinor = grossMinor;
    const invoice = await request.run(body);
    if (invoice) onCreated(invoice);
  };

  const earning = itemsOf(pins.data).filter((p) => p.status === 'pinned' || p.status === 'attributed');
  return (
    <Form name="net-invoice" onSubmit={submit}>
      <p class="amop-muted amop-small">{t('inv.net_intro')}</p>
      <div class="amop-grid">
        <TextField
          {...field('clientAccountId', shown)}
          label={t('inv.client')}
          list={listId}
          inputMode="numeric"
          autoComplete="off"
        />
        <datalist id={listId}>
          {earning.map((p) => (
            <option key={p.id} value={String(p.clientAccountId)}>
              {p.clientSubdomain ?? ''}
            </option>
          ))}
        </datalist>
        <TextField
          {...field('productCode', shown)}
          label={t('inv.product')}
          hint={t('inv.product_hint')}
          autoComplete="off"
        />
        <TextField
          {...field('grossMinor', shown)}
          label={t('inv.amount')}
          hint={t('inv.amount_hint')}
          placeholder={t('inv.amount_placeholder')}
          inputMode="decimal"
          autoComplete="off"
        />
      </div>
      <RadioGroup
        legend={t('inv.method_legend')}
        name="method"
        value={method}
        onValue={setMethod}
        options={['bank', 'card']}
        labels="inv.method."
        note={noteOf}
      />
      {method === 'card' && <CardWarning strong />}
      <SubmitRow label={t('inv.request')} busy={request.busy} />
      {request.error && <ErrorBox error={request.error} />}
      {request.result && (
        <Notice tone="ok" data-created-invoice={request.result.id}>
          {t('inv.created', { number: request.result.number })}{' '}
          <Money minor={request.result.amountMinor} currency={request.result.currency} />{' '}
          <PdfButton path={request.result.pdfUrl} filename={invoiceFilename(request.result)} />
        </Notice>
      )}
    </Form>
  );
}

export function InvoiceTable({
  items,
  pdfPath,
  partnerNames,
  actions,
}: {
  items: Invoice[];
  pdfPath(invoice: Invoice): string;
  partnerNames?: Map<string, string>;
  actions?(invoice: Invoice): ComponentChildren;
}) {
  const { t, lang } = useCtx();
  return (
    <DataTable
      name="invoices"
      columns={[
        'inv.number',
        partnerNames ? 'admin.partner' : null,
        'inv.kind_col',
        'inv.issued',
        { key: 'inv.amount_col', num: true },
        'inv.status_col',
      ]}
      actions
    >
      {items.map((invoice) => (
        <tr key={invoice.id} data-invoice-id={invoice.id} data-invoice-kind={invoice.kind}>
          <td>
            <strong>{invoice.number}</strong>
          </td>
          {partnerNames && <td>{partnerNames.get(invoice.partnerId) ?? invoice.partnerId}</td>}
          <td>
            {tOr(t, `inv.kind.${invoice.kind}`, invoice.kind)}
            <div>
              <InvoiceSubject invoice={invoice} />
            </div>
          </td>
          <td>{formatDate(invoice.issuedAt, lang)}</td>
          <td class="amop-num">
            <strong>
              <Money minor={invoice.amountMinor} currency={invoice.currency} />
            </strong>
          </td>
          <td>
            <InvoiceStatus invoice={invoice} />
          </td>
          <td class="amop-cell-actions">
            <PdfButton
              path={pdfPath(invoice)}
              filename={invoiceFilename(invoice)}
              ariaLabel={t('inv.open_pdf_of', { number: invoice.number })}
            />
            {actions?.(invoice)}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export function InvoicesTab() {
  const { t } = useCtx();
  const list = usePaged<Invoice>('/api/v1/invoices', { limit: 50 });
  const [formOpen, setFormOpen] = useState(false);
  return (
    <>
      <Section
        title={t('inv.title')}
        data-section="invoices"
        actions={
          <Button
            small
            kind={formOpen ? 'default' : 'primary'}
            aria-expanded={formOpen}
            onClick={() => setFormOpen(!formOpen)}
          >
            {formOpen ? t('ui.close') : t('inv.request_open')}
          </Button>
        }
      >
        {formOpen && (
          <div class="amop-card-box">
            <NetInvoiceForm onCreated={() => list.reload()} />
          </div>
        )}
        <ListState list={list} empty={t('inv.empty')}>
          <InvoiceTable items={list.items} pdfPath={(i) => i.pdfUrl} />
        </ListState>
        {!formOpen && <CardWarning />}
      </Section>
    </>
  );
}

/**
 * The certificate (rule 6), issued once the partner is active: `GET /api/v1/certificate` answers the PDF,
 * which prints its public verification link. When the server also names the link in an `X-Verify-Url`
 * header, it is shown here too.
 */
export function CertificateTab({ partner }: { partner: Partner }) {
  const { t, api } = useCtx();
  const [verifyUrl, setVerifyUrl] = useState<string | null>(null);
  const open = useAction(async (_key: string) => {
    const file = await openPdf(api, '/api/v1/certificate', 'certificate.pdf', t('ui.loading'));
    setVerifyUrl(file.header('X-Verify-Url'));
    return file;
  });
  return (
    <Section title={t('cert.title')} data-section="certificate">
      <p>{t('cert.intro')}</p>
      {partner.status !== 'active' ? (
        <Notice tone="info">{t('cert.needs_active')}</Notice>
      ) : (
        <div
          class="amop-actions"
          data-opened-type={open.result?.contentType}
          data-opened-size={open.result?.blob.size}
        >
          <Button kind="primary" busy={open.busy} onClick={() => void open.run()}>
            {t('cert.open')}
          </Button>
        </div>
      )}
      {open.error && <ErrorBox error={open.error} onRetry={() => void open.run()} />}
      {verifyUrl && /^https?:\/\//i.test(verifyUrl) && (
        <p data-verify-url={verifyUrl}>
          {t('cert.verify')}{' '}
          <a class="amop-link" href={verifyUrl} target="_blank" rel="noopener noreferrer">
            {verifyUrl}
          </a>
        </p>
      )}
    </Section>
  );
}
