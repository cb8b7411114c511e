/**
 * What every screen needs, passed once through a Preact context: the translator and language, the API
 * client, where we are drawn, and the identity the server derived from the verified token.
 */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, isApiError, newIdempotencyKey, type ApiClient } from '../api';
import type { Surface } from '../amo';
import type { Lang, Translate } from '../i18n';
import { itemsOf, type Page, type WhoAmI } from '../types';

export interface Ctx {
  t: Translate;
  lang: Lang;
  api: ApiClient;
  surface: Surface;
  who: WhoAmI;
  /** The card's client-account-id field (settings `account_id_field`), when configured. */
  accountIdField: string | null;
  /** Asks the server again who we are (e.g. after registering as a partner). */
  refreshWho(): void;
}

export const AppContext = createContext<Ctx | null>(null);

export function useCtx(): Ctx {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('AppContext is missing');
  return ctx;
}

/** `t(key)` or `fallback` when the key is not in the strings (server codes we have no words for). */
export function tOr(t: Translate, key: string, fallback: string, vars?: Record<string, string | number>) {
  const text = t(key, vars);
  return text === key ? fallback : text;
}

function asApiError(e: unknown): ApiError {
  return isApiError(e)
    ? e
    : new ApiError({ status: 0, code: 'unexpected', message: e instanceof Error ? e.message : String(e) });
}

export type Load<T> =
  | { state: 'loading'; data?: undefined; error?: undefined }
  | { state: 'ok'; data: T; error?: undefined }
  | { state: 'error'; data?: undefined; error: ApiError };

/**
 * Loads data for a screen: aborted when the screen unmounts (amoCRM's destroy) or the inputs change,
 * reloaded on `reload()`. `fetcher` receives the abort signal to pass on to the API client.
 */
export function useLoad<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): Load<T> & { reload(): void } {
  const [attempt, setAttempt] = useState(0);
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const lastAttempt = useRef(attempt);
  useEffect(() => {
    const controller = new AbortController();
    // A reload keeps the data on screen until the new answer arrives; new inputs show "loading".
    const isReload = lastAttempt.current !== attempt;
    lastAttempt.current = attempt;
    setLoad((prev) => (isReload && prev.state === 'ok' ? prev : { state: 'loading' }));
    fetcher(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setLoad({ state: 'ok', data });
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setLoad({ state: 'error', error: asApiError(e) });
      },
    );
    return () => controller.abort();
  }, [...deps, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...load, reload };
}

export interface Action<A extends unknown[], R> {
  run(...args: A): Promise<R | undefined>;
  busy: boolean;
  error: ApiError | null;
  result: R | undefined;
  reset(): void;
}

/**
 * A state-changing call triggered by the user. Each new run gets a fresh Idempotency-Key; the result or
 * the error stays for the screen to show. Results arriving after unmount are dropped.
 */
export function useAction<A extends unknown[], R>(
  perform: (idempotencyKey: string, ...args: A) => Promise<R>,
): Action<A, R> {
  const [state, setState] = useState<{ busy: boolean; error: ApiError | null; result: R | undefined }>({
    busy: false,
    error: null,
    result: undefined,
  });
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );
  const run = async (...args: A): Promise<R | undefined> => {
    setState({ busy: true, error: null, result: undefined });
    try {
      const result = await perform(newIdempotencyKey(), ...args);
      if (alive.current) setState({ busy: false, error: null, result });
      return result;
    } catch (e) {
      if (alive.current) setState({ busy: false, error: asApiError(e), result: undefined });
      return undefined;
    }
  };
  return {
    run,
    ...state,
    reset: () => setState({ busy: false, error: null, result: undefined }),
  };
}

/** `useAction` for the common case: POST the run's `body` to `path` under its Idempotency-Key. */
export function usePost<R>(path: string): Action<[body?: unknown], R> {
  const { api } = useCtx();
  return useAction((key: string, body?: unknown) => api.post<R>(path, body, { idempotencyKey: key }));
}

/**
 * A cursor-paged list (`{ items, nextCursor }`): the first page loads like `useLoad`, "show more" appends
 * the next ones. `reload()` starts again from the first page.
 */
export function usePaged<T>(path: string, query: Record<string, string | number | undefined> = {}) {
  const { api } = useCtx();
  const key = JSON.stringify(query);
  const first = useLoad((signal) => api.get<Page<T>>(path, { signal, query }), [api, path, key]);
  const [more, setMore] = useState<{ items: T[]; next: string | null } | null>(null);
  const [moreError, setMoreError] = useState<ApiError | null>(null);
  useEffect(() => {
    setMore(null);
    setMoreError(null);
  }, [first.data]);
  const items = [...itemsOf(first.data), ...(more?.items ?? [])];
  const next = more ? more.next : (first.data?.nextCursor ?? null);
  const loadMore = async () => {
    if (!next) return;
    try {
      const page = await api.get<Page<T>>(path, { query: { ...query, cursor: next } });
      setMore({ items: [...(more?.items ?? []), ...itemsOf(page)], next: page.nextCursor ?? null });
    } catch (e) {
      setMoreError(asApiError(e));
    }
  };
  return { ...first, items, next, loadMore, moreError };
}
