/**
 * Placeholder screen: greets the user in their language and shows the result of one authorized call
 * (`GET /api/v1/whoami`), proving the whole chain — amoCRM runtime → `$authorizedAjax` → signed token →
 * backend verification. The real screens replace it; the wiring around it (mounting, i18n, API client,
 * unmount on destroy) stays.
 */
import { useEffect, useState } from 'preact/hooks';
import { isApiError, type ApiClient, type WhoAmI } from '../api';
import type { Surface } from '../amo';
import type { Translate } from '../i18n';

export interface HelloProps {
  surface: Surface;
  t: Translate;
  userName: string | null;
  /** null when `backend_url` is not set in the widget settings. */
  api: ApiClient | null;
  /** Card only: the custom field (id) that holds the client's amoCRM account id. */
  accountIdField?: string | null;
}

type CallState =
  | { kind: 'loading' }
  | { kind: 'ok'; who: WhoAmI }
  | { kind: 'error'; text: string; code: string; status: number };

export function Hello({ surface, t, userName, api, accountIdField }: HelloProps) {
  const [attempt, setAttempt] = useState(0);
  const [call, setCall] = useState<CallState>({ kind: 'loading' });
  const clientAccountId = useCardField(surface === 'card' ? (accountIdField ?? null) : null);

  useEffect(() => {
    if (!api) return;
    const controller = new AbortController();
    setCall({ kind: 'loading' });
    api.get<WhoAmI>('/api/v1/whoami', { signal: controller.signal }).then(
      (who) => setCall({ kind: 'ok', who }),
      (e: unknown) => {
        if (controller.signal.aborted) return;
        if (isApiError(e)) {
          const text =
            e.status === 0
              ? t('ui.error_network')
              : t('ui.error_status', { status: e.status, message: e.message });
          setCall({ kind: 'error', text, code: e.code, status: e.status });
        } else {
          setCall({ kind: 'error', text: String(e), code: 'unexpected', status: 0 });
        }
      },
    );
    // Unmounting (destroy, area change) aborts the request so no state is set on a dead tree.
    return () => controller.abort();
  }, [api, attempt]);

  return (
    <div class={`amop-hello ${surface === 'advanced' ? 'amop-page' : 'amop-panel'}`} data-surface={surface}>
      <h3 class="amop-title">{userName ? t('ui.hello', { name: userName }) : t('ui.hello_anonymous')}</h3>
      {surface === 'card' && (
        <p class="amop-line amop-client" data-client-account-id={clientAccountId ?? ''}>
          {clientAccountId ? t('ui.client_account', { id: clientAccountId }) : t('ui.client_account_missing')}
        </p>
      )}
      {surface === 'settings' && <p class="amop-line amop-muted">{t('ui.settings_hint')}</p>}
      {!api ? (
        <div class="amop-status amop-whoami" data-status="error" data-code="not_configured">
          {t('ui.backend_missing')}
        </div>
      ) : call.kind === 'loading' ? (
        <div class="amop-status amop-whoami" data-status="loading">
          {t('ui.loading')}
        </div>
      ) : call.kind === 'ok' ? (
        <div
          class="amop-status amop-whoami"
          data-status="ok"
          data-account-id={call.who.accountId}
          data-user-id={call.who.userId}
          data-role={call.who.role ?? ''}
        >
          {t('ui.whoami_ok', { accountId: call.who.accountId, userId: call.who.userId })}
        </div>
      ) : (
        <div
          class="amop-status amop-whoami"
          data-status="error"
          data-code={call.code}
          data-http-status={call.status}
        >
          {call.text}
          <div>
            <button type="button" class="amop-button" onClick={() => setAttempt((n) => n + 1)}>
              {t('ui.retry')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/**
 * Reads the card's custom field `CFV[<id>]` and follows the user's edits. amoCRM has no documented
 * widget API for a card field's unsaved value; the card form's inputs are named `CFV[<field id>]`.
 */
function useCardField(fieldId: string | null): string | null {
  const name = fieldId ? `CFV[${fieldId}]` : null;
  const read = (): string | null => {
    if (!name) return null;
    const input = document.querySelector<HTMLInputElement>(`[name="${CSS.escape(name)}"]`);
    const value = input?.value.trim();
    return value ? value : null;
  };
  const [value, setValue] = useState<string | null>(read);
  useEffect(() => {
    if (!name) return;
    const onInput = (e: Event) => {
      const target = e.target as HTMLInputElement | null;
      if (target?.name === name) setValue(read());
    };
    document.addEventListener('input', onInput, true);
    document.addEventListener('change', onInput, true);
    return () => {
      document.removeEventListener('input', onInput, true);
      document.removeEventListener('change', onInput, true);
    };
  }, [name]);
  return value;
}
