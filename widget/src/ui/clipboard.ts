/**
 * Puts `text` on the clipboard: the Clipboard API where the page may use it, else a selected textarea and
 * `execCommand('copy')` (amoCRM may embed us where the API is refused). True when it was copied.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const done = document.execCommand('copy');
    area.remove();
    return done;
  }
}
