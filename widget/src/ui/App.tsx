/**
 * The widget's root on every surface. It asks the server who the verified token says we are
 * (`GET /api/v1/whoami`) and picks the screens:
 *
 *   visitor (an account that is not a partner yet): register, or confirm a partner's request
 *   partner: clients and pins, earnings, invoices, certificate, questions, disputes
 *   staff:   is this client pinned, to whom; route the client's question to its partner
 *   admin:   staff screens plus contracts, client requests, disputes, payouts, invoices
 *
 * The card panel gets the compact version, the widget page (advanced settings) the full one, and the
 * settings modal only a connection check. The root element carries `data-*` state for tests.
 */
import { useMemo } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api';
import type { Surface } from '../amo';
import type { Lang, Translate } from '../i18n';
import type { WhoAmI } from '../types';
import { AdminPage } from './admin/AdminPage';
import { AppContext, useCtx, useLoad, type Ctx } from './ctx';
import { ErrorBox, Loading } from './kit';
import { PartnerCard } from './partner/PartnerCard';
import { PartnerPage } from './partner/PartnerPage';
import { StaffCard, StaffPage } from './staff/StaffScreens';
import { VisitorCard, VisitorPage } from './visitor/Visitor';

export interface AppProps {
  surface: Surface;
  t: Translate;
  lang: Lang;
  /** null when neither the `backend_url` setting nor the build's PUBLIC_URL gives the server's address. */
  api: ApiClient | null;
  userName: string | null;
  accountIdField: string | null;
}

export function App({ surface, t, lang, api, userName, accountIdField }: AppProps) {
  const who = useLoad<WhoAmI>(
    (signal) =>
      api
        ? api.get<WhoAmI>('/api/v1/whoami', { signal })
        : Promise.reject(new ApiError({ status: 0, code: 'not_configured', message: 'not_configured' })),
    [api],
  );
  // The `account_id_field` setting overrides; staff otherwise read the field the server uses (whoami), so
  // the staff card works with nothing typed into the settings.
  const fieldFromServer = who.data?.clientAccountFieldId;
  const cardField = accountIdField ?? (fieldFromServer ? String(fieldFromServer) : null);
  const ctx = useMemo<Ctx | null>(
    () =>
      api && who.data
        ? { t, lang, api, surface, who: who.data, accountIdField: cardField, refreshWho: who.reload }
        : null,
    [api, who.data, t, lang, surface, cardField],
  );
  // The error box needs the translator even before we know who we are.
  const bare = { t, lang, surface, accountIdField, refreshWho: who.reload } as Ctx;

  return (
    <div
      class={`amop-app ${surface === 'advanced' ? 'amop-page' : 'amop-panel'}`}
      lang={lang}
      data-surface={surface}
      data-status={who.state}
      data-role={who.data?.role}
      data-account-id={who.data?.accountId}
      data-user-id={who.data?.userId}
      data-code={who.error?.code}
      data-http-status={who.error?.status}
    >
      {who.state === 'loading' ? (
        <AppContext.Provider value={bare}>
          <Loading />
        </AppContext.Provider>
      ) : who.state === 'error' ? (
        <AppContext.Provider value={bare}>
          <ErrorBox
            error={who.error}
            onRetry={who.error.code === 'not_configured' ? undefined : who.reload}
          />
        </AppContext.Provider>
      ) : (
        <AppContext.Provider value={ctx}>
          <Mode userName={userName} />
        </AppContext.Provider>
      )}
    </div>
  );
}

function Mode({ userName }: { userName: string | null }) {
  const { who, surface, t } = useCtx();
  if (surface === 'settings') {
    return (
      <div class="amop-settings-block">
        <p class="amop-ok" data-connected="true">
          {t('app.connected', { role: t(`role.${who.role}`), accountId: who.accountId })}
        </p>
        <p class="amop-muted">{t('app.settings_hint')}</p>
      </div>
    );
  }
  const card = surface === 'card';
  switch (who.role) {
    case 'partner':
      return card ? <PartnerCard /> : <PartnerPage />;
    case 'staff':
      return card ? <StaffCard /> : <StaffPage userName={userName} />;
    case 'admin':
      return card ? <StaffCard /> : <AdminPage userName={userName} />;
    default:
      return card ? <VisitorCard /> : <VisitorPage />;
  }
}
