/**
 * Modules the widget gets from outside its own source.
 *
 * `jquery` is provided by the amoCRM page as an AMD module (jQuery 2.x) and is an external in
 * webpack.config.js, so it is never bundled. Only the small subset typed here may be used: the dev
 * host page (widget/host/jquery-lite.js) implements exactly this subset, so anything more would work
 * in amoCRM but break on the host page — extend both together.
 */
declare module 'jquery' {
  /** A jQuery 2 collection, e.g. the `$modal_body` amoCRM passes to `settings`. */
  export interface JQueryLike {
    readonly length: number;
    [index: number]: Element | undefined;
    get(index: number): Element | undefined;
    find(selector: string): JQueryLike;
  }
  const $: (selector: string | Element | JQueryLike) => JQueryLike;
  export default $;
}

/** CSS files are bundled as strings (webpack `asset/source`) and injected into one <style> element. */
declare module '*.css' {
  const css: string;
  export default css;
}

/** Replaced by webpack (DefinePlugin) with the PUBLIC_URL of the build, '' when unset. */
declare const __AMOP_PUBLIC_URL__: string;
