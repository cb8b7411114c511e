/**
 * Keeps track of every Preact tree one widget instance has mounted, so `destroy` (which amoCRM also
 * calls when the user moves between areas) can unmount all of them: effects are cleaned up, listeners
 * removed, pending requests aborted. amoCRM's page is a long-lived SPA — a tree left mounted would leak.
 */
import { render, type ComponentChild } from 'preact';
import css from './widget.css';

const STYLE_ID = 'amop-styles';

/**
 * The widget's CSS travels inside script.js and is injected once per page. Every class is prefixed
 * `amop-` because amoCRM's own CSS is global; the element stays after `destroy` (it is inert, and the
 * next area will likely need it again).
 */
export function injectStyles(doc: Document = document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement('style');
  style.id = STYLE_ID;
  style.textContent = css;
  doc.head.appendChild(style);
}

export interface Mounts {
  /** Renders `vnode` into `container`; `ownsContainer` means we created it and remove it on unmount. */
  mount(container: Element, vnode: ComponentChild, ownsContainer?: boolean): void;
  unmountAll(): void;
  readonly size: number;
}

export function createMounts(): Mounts {
  const roots = new Map<Element, boolean>();
  return {
    mount(container, vnode, ownsContainer = false) {
      injectStyles(container.ownerDocument);
      render(vnode, container);
      roots.set(container, ownsContainer || (roots.get(container) ?? false));
    },
    unmountAll() {
      for (const [container, owned] of roots) {
        render(null, container);
        if (owned) container.remove();
      }
      roots.clear();
    },
    get size() {
      return roots.size;
    },
  };
}
