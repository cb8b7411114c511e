/** Escapes text for HTML element content and attribute values (the public pages are tiny templates). */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A small Russian HTML page: the public pages (confirmation links, certificate check) share this frame. */
export function publicPage(title: string, body: string, attributes = ''): string {
  return `<!doctype html><html lang="ru"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title><body style="font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em"${attributes}>${body}</body></html>`;
}
