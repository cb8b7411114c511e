/**
 * Strings: Russian first, English second (STYLE.md "Widget").
 *
 * amoCRM loads `i18n/<lang>.json` for the user's language and exposes it as `self.langs` /
 * `self.i18n(topLevelKey)`. Those win. Only the Russian file is also bundled (manifest/i18n/ is the source
 * of truth), so a key still resolves when amoCRM gives nothing: Russian first. Bundling English too would
 * cost a sixth of the budget for a copy amoCRM already delivers with the archive.
 */
import ru from '../../manifest/i18n/ru.json';
import { getApp, type WidgetSelf } from './amo';

export type Lang = 'ru' | 'en';
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** ru for Russian (and when nothing is known), en for every other language. */
export function normalizeLang(raw: unknown): Lang | null {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  return raw.trim().toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/** The amoCRM user's language: `APP.lang_id`, then the user constant, then `system().lang`, then the page. */
export function resolveLang(self: Pick<WidgetSelf, 'system'>): Lang {
  const app = getApp();
  let system: { lang?: string } = {};
  try {
    system = self.system();
  } catch {
    // system() is injected by amoCRM; treat its absence like an unknown language.
  }
  const candidates: unknown[] = [
    app?.lang_id,
    app?.constant('user')?.lang,
    system.lang,
    typeof document !== 'undefined' ? document.documentElement.lang : undefined,
  ];
  for (const c of candidates) {
    const lang = normalizeLang(c);
    if (lang) return lang;
  }
  return 'ru';
}

function lookup(tree: unknown, path: string[]): string | undefined {
  let node = tree;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' ? node : undefined;
}

function interpolate(text: string, vars: Record<string, string | number> | undefined): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** The program's own text in both languages (a rule's, a level's or a model's title) in the screen's language. */
export function words(w: { ru: string; en?: string } | null | undefined, lang: Lang): string {
  return w ? (lang === 'en' && w.en) || w.ru : '—';
}

/** `t('ui.retry')`: amoCRM's strings for the user's language, then the bundled Russian, then the key. */
export function createTranslate(self: Pick<WidgetSelf, 'i18n' | 'langs'>, _lang: Lang): Translate {
  return (key, vars) => {
    const path = key.split('.');
    const [top, ...rest] = path;
    let text: string | undefined;
    if (top !== undefined && typeof self.i18n === 'function') {
      try {
        text = lookup(self.i18n(top), rest);
      } catch {
        text = undefined;
      }
    }
    text ??= lookup(self.langs, path) ?? lookup(ru, path) ?? key;
    return interpolate(text, vars);
  };
}
