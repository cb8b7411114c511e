/**
 * The slice of the amoCRM widget runtime this widget touches, typed.
 *
 * amoCRM creates the widget with `new Widget()` and then injects its own methods and fields into the
 * instance (`get_settings`, `system`, `i18n`, `langs`, `render_template`, `$authorizedAjax`, `params`…).
 * Everything here is display data: it is forgeable in the browser, and the backend never trusts it —
 * identity on the server comes only from the signed `X-Auth-Token` claims (see API.md).
 */

import type { JQueryLike } from 'jquery';

export type { JQueryLike };

/** jQuery's jqXHR, as returned by `$.ajax` and `self.$authorizedAjax` (callbacks in jQuery 2 order). */
export interface JqXhrLike {
  done(cb: (data: unknown, textStatus: string, xhr: JqXhrLike) => void): JqXhrLike;
  fail(cb: (xhr: JqXhrLike, textStatus: string, errorThrown: unknown) => void): JqXhrLike;
  abort?(reason?: string): void;
  readonly status: number;
  readonly responseText?: string;
  getResponseHeader?(name: string): string | null;
}

/** The options of `$.ajax` that this widget passes; amoCRM adds `X-Auth-Token` to them. */
export interface AjaxOptions {
  url: string;
  type: string;
  method: string;
  dataType: 'text';
  contentType?: string;
  data?: string;
  headers?: Record<string, string>;
  timeout?: number;
  /**
   * Overrides the response MIME type (`xhr.overrideMimeType`). `text/plain; charset=x-user-defined` makes
   * `responseText` carry raw bytes, the one way to read a PDF through jQuery 2's text pipeline.
   */
  mimeType?: string;
}

export interface WidgetSettings {
  widget_code: string;
  path?: string;
  version?: string;
  oauth_client_uuid?: string;
  /** Our manifest settings (amoCRM stores them as strings). */
  backend_url?: string;
  account_id_field?: string;
  [key: string]: unknown;
}

export interface WidgetSystem {
  /** `lcard`, `ccard`, `comcard`, `cucard`, `llist`, `clist`, `settings`, `advanced_settings`… */
  area?: string;
  amouser_id?: number | string;
  amouser?: string;
  subdomain?: string;
  domain?: string;
  lang?: string;
}

export interface WidgetCallbacks {
  render(): boolean;
  init(): boolean;
  bind_actions(): boolean;
  settings($modalBody: JQueryLike | Element): boolean;
  onSave(data: unknown): boolean;
  destroy(): void;
  advancedSettings(): boolean;
}

/** `this` inside the widget constructor: amoCRM's injected API plus our `callbacks`. */
export interface WidgetSelf {
  callbacks: WidgetCallbacks;
  params?: WidgetSettings;
  langs?: Record<string, unknown>;
  get_settings(): WidgetSettings;
  system(): WidgetSystem;
  i18n?(key: string): unknown;
  render_template(options: { caption: { class_name: string }; body: string; render: string }): unknown;
  $authorizedAjax(options: AjaxOptions): JqXhrLike;
}

export interface AmoApp {
  lang_id?: string;
  constant(name: 'account'): { id: number; subdomain: string; name?: string } | undefined;
  constant(name: 'user'): { id: number; name?: string; login?: string; lang?: string } | undefined;
  constant(name: string): unknown;
  getWidgetsArea?(): string;
  data?: { current_card?: { id?: number } };
}

/** amoCRM's global `APP` (older code calls it `AMOCRM`); undefined outside amoCRM. */
export function getApp(): AmoApp | undefined {
  const w = globalThis as { APP?: AmoApp; AMOCRM?: AmoApp };
  return w.APP ?? w.AMOCRM;
}

const CARD_AREAS = new Set(['lcard', 'ccard', 'comcard', 'cucard']);

export type Surface = 'card' | 'settings' | 'advanced';

/** Card areas are where `render` draws the right-hand panel; other areas have their own callbacks. */
export function isCardArea(self: WidgetSelf): boolean {
  return CARD_AREAS.has(String(self.system().area ?? ''));
}

export function widgetCode(self: WidgetSelf): string {
  return String(self.get_settings().widget_code ?? '');
}

/** The current user's display name, or null when amoCRM does not give one. */
export function currentUserName(): string | null {
  const user = getApp()?.constant('user');
  const name = user?.name?.trim();
  return name ? name : null;
}
