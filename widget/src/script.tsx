/**
 * The amoCRM widget entry: webpack turns this module into `script.js`, an AMD module whose factory
 * returns `Widget` (the default export; `jquery` arrives as an AMD dependency, see webpack.config.js).
 *
 * `Widget` is a plain constructor function, not an ES class: amoCRM calls `new Widget()` and then
 * injects its own methods into the instance, and only uses the `callbacks` we set. amoCRM calls, per
 * area: `render` → `init` → `bind_actions` (each must return true), then `settings($modal_body)` in the
 * settings modal or `advancedSettings()` on the widget's own page; `destroy` when the user leaves the
 * area (and on the way to another one) — every Preact tree is unmounted there.
 */
import $ from 'jquery';
import { createApiClient, normalizeBaseUrl, type ApiClient } from './api';
import {
  currentUserName,
  isCardArea,
  widgetCode,
  type JQueryLike,
  type Surface,
  type WidgetSelf,
} from './amo';
import { createTranslate, resolveLang } from './i18n';
import { createMounts } from './mounts';
import { App } from './ui/App';

/** The server's PUBLIC_URL when the archive was built (webpack.config.js), '' when it was not set. */
const BUILT_PUBLIC_URL = typeof __AMOP_PUBLIC_URL__ === 'string' ? __AMOP_PUBLIC_URL__ : '';

/** The class of every container the widget renders into (card panel, settings block, widget page). */
const ROOT_CLASS = 'amop-root';

function Widget(this: WidgetSelf): WidgetSelf {
  // eslint-disable-next-line @typescript-eslint/no-this-alias -- amoCRM's widget pattern: callbacks close over the instance.
  const self = this;
  const mounts = createMounts();

  /** Read per mount, not at construction: amoCRM injects settings/i18n after `new Widget()`. */
  function context(surface: Surface) {
    const settings = self.get_settings();
    // The setting overrides; normally the address is the PUBLIC_URL baked in at build time (zero setup).
    const baseUrl = normalizeBaseUrl(settings.backend_url) ?? normalizeBaseUrl(BUILT_PUBLIC_URL);
    const api: ApiClient | null = baseUrl ? createApiClient(self, baseUrl) : null;
    const lang = resolveLang(self);
    const t = createTranslate(self, lang);
    const accountIdField =
      typeof settings.account_id_field === 'string' ? settings.account_id_field.trim() || null : null;
    return { surface, t, lang, api, userName: currentUserName(), accountIdField };
  }

  /** A fresh `<div class="amop-root">` appended to `parent`, owned (and removed) by the mount registry. */
  function appendRoot(parent: Element, extraClass: string): Element {
    const div = parent.ownerDocument.createElement('div');
    div.className = `${ROOT_CLASS} ${extraClass}`;
    parent.appendChild(div);
    return div;
  }

  function renderCardPanel(): void {
    const code = widgetCode(self);
    self.render_template({
      caption: { class_name: 'amop-caption' },
      body: '',
      render: `<div class="${ROOT_CLASS}"></div>`,
    });
    // Our own panel only: amoCRM renders every widget's panel into the same column.
    const body = $(`.card-widgets__widget[data-code="${CSS.escape(code)}"] .card-widgets__widget__body`);
    const root = body.find(`.${ROOT_CLASS}`).get(0) ?? body.get(0);
    if (root) mounts.mount(root, <App {...context('card')} />);
  }

  this.callbacks = {
    render() {
      // A repeated render (amoCRM re-draws the card) replaces the previous tree instead of leaking it.
      mounts.unmountAll();
      if (isCardArea(self)) renderCardPanel();
      return true;
    },
    init() {
      return true;
    },
    bind_actions() {
      return true;
    },
    settings($modalBody: JQueryLike | Element) {
      mounts.unmountAll(); // the modal may be opened again without a destroy in between
      const modal = $($modalBody);
      // amoCRM draws the manifest's settings fields itself; we add our block under the description.
      const parent = modal.find('.widget-settings__desc-space').get(0) ?? modal.get(0);
      if (parent) mounts.mount(appendRoot(parent, 'amop-settings'), <App {...context('settings')} />, true);
      return true;
    },
    onSave() {
      // Also called when the widget is switched off; the backend keeps no state that depends on it.
      return true;
    },
    destroy() {
      mounts.unmountAll();
    },
    advancedSettings() {
      mounts.unmountAll();
      const page = $(`#work-area-${CSS.escape(widgetCode(self))}`).get(0);
      if (page) mounts.mount(appendRoot(page, 'amop-advanced'), <App {...context('advanced')} />, true);
      return true;
    },
  };
  return this;
}

export default Widget;
