/**
 * The partner's links (link programs, seed 000): make one, for a product or general, and copy it; each with
 * its clicks and distinct visitors as `GET /api/v1/links` counts them.
 */
import { useState } from 'preact/hooks';
import type { PartnerLink } from '../../types';
import { itemsOf } from '../../types';
import { useCtx, useLoad, usePost } from '../ctx';
import {
  Button,
  DataTable,
  Empty,
  ErrorBox,
  fieldErrors,
  Form,
  Loaded,
  Section,
  SubmitRow,
  TextField,
  useFields,
} from '../kit';
import { copyText } from '../clipboard';

export function CopyButton({ text }: { text: string }) {
  const { t } = useCtx();
  const [copied, setCopied] = useState(false);
  return (
    <>
      <Button small onClick={() => void copyText(text).then(setCopied)}>
        {t('ui.copy')}
      </Button>
      {copied && (
        <span class="amop-muted amop-small" role="status">
          {' '}
          {t('ui.copied')}
        </span>
      )}
    </>
  );
}

/**
 * The partner's personal promo code (code programs, seed 002): the client types it at checkout and billing
 * passes it on. The code comes with the partner's first link, so asking for it is `POST /api/v1/links`.
 */
export function PromoCodeSection() {
  const { t, api } = useCtx();
  const links = useLoad(
    (signal) => api.get<{ promoCode: string | null }>('/api/v1/links', { signal }),
    [api],
  );
  const create = usePost<{ promoCode: string }>('/api/v1/links');
  return (
    <Section title={t('aff.promo_code')} data-section="promo-code">
      <Loaded load={links}>
        {(data) =>
          data.promoCode ? (
            <p>
              <code data-promo-code={data.promoCode}>{data.promoCode}</code>{' '}
              <CopyButton text={data.promoCode} />
              <br />
              <span class="amop-muted amop-small">{t('aff.promo_hint')}</span>
            </p>
          ) : (
            <Form
              name="promo-code"
              onSubmit={async () => {
                if (await create.run({})) links.reload();
              }}
            >
              <SubmitRow small label={t('aff.get_promo_code')} busy={create.busy} />
              {create.error && <ErrorBox error={create.error} />}
            </Form>
          )
        }
      </Loaded>
    </Section>
  );
}

export function LinksSection() {
  const { t, lang, api } = useCtx();
  const links = useLoad((signal) => api.get<{ items: PartnerLink[] }>('/api/v1/links', { signal }), [api]);
  const { values, field } = useFields({ productCode: '' });
  const create = usePost<PartnerLink>('/api/v1/links');
  const errors = fieldErrors(create.error, lang, t);
  const submit = async () => {
    const product = values.productCode.trim();
    if (await create.run(product ? { productCode: product } : {})) links.reload();
  };
  return (
    <Section title={t('aff.links')} data-section="links">
      <Form name="link" onSubmit={submit}>
        <TextField {...field('productCode', errors)} label={t('aff.product_code')} />
        <SubmitRow small label={t('aff.create_link')} busy={create.busy} />
        {create.error && !errors.productCode && <ErrorBox error={create.error} />}
      </Form>
      <Loaded load={links}>
        {(data) =>
          itemsOf(data).length ? (
            <DataTable
              name="links"
              columns={[
                'aff.link',
                'aff.product',
                { key: 'aff.clicks', num: true },
                { key: 'aff.visitors', num: true },
              ]}
            >
              {itemsOf(data).map((l) => (
                <tr key={l.code} data-link={l.code}>
                  <td>
                    <code>{l.url}</code> <CopyButton text={l.url} />
                  </td>
                  <td>{l.productCode ?? t('aff.general')}</td>
                  <td class="amop-num" data-clicks={l.clicks}>
                    {l.clicks}
                  </td>
                  <td class="amop-num">{l.visitors}</td>
                </tr>
              ))}
            </DataTable>
          ) : (
            <Empty>{t('aff.no_links')}</Empty>
          )
        }
      </Loaded>
    </Section>
  );
}
