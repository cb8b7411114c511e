/**
 * Opening a PDF the API serves (invoices, the certificate). The request needs amoCRM's X-Auth-Token, so a
 * plain link cannot work: the bytes come through `$authorizedAjax`, become a Blob, and open in a tab that
 * was created synchronously in the click (so no popup blocker stops it); without a tab, it downloads.
 */
import { type ApiClient, type Download } from '../api';
import { useAction, useCtx } from './ctx';
import { Button, ErrorBox } from './kit';

/** Our API's path of a URL the server gave (its public URL may differ from the configured backend). */
export function apiPath(pathOrUrl: string): string {
  if (!/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  const url = new URL(pathOrUrl);
  return url.pathname + url.search;
}

export async function openPdf(api: ApiClient, path: string, filename: string, loadingText: string) {
  const tab = window.open('', '_blank');
  if (tab) {
    try {
      tab.document.title = filename;
      tab.document.body.textContent = loadingText;
    } catch {
      // Some browsers give a tab we may not write to; it is only a placeholder.
    }
  }
  let file: Download;
  try {
    file = await api.download(apiPath(path));
  } catch (e) {
    tab?.close();
    throw e;
  }
  const url = URL.createObjectURL(file.blob);
  if (tab && !tab.closed) tab.location.href = url;
  else {
    const a = document.createElement('a');
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  // The tab has loaded the blob by then; the URL is only a handle to it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return file;
}

/** A button that opens one PDF, with its own busy and error state. */
export function PdfButton({
  path,
  filename,
  label,
  ariaLabel,
  small = true,
}: {
  path: string;
  filename: string;
  label?: string;
  /** Names the document for screen readers when many such buttons share a screen. */
  ariaLabel?: string;
  small?: boolean;
}) {
  const { t, api } = useCtx();
  const action = useAction((_key: string) => openPdf(api, path, filename, t('ui.loading')));
  const opened = action.result;
  return (
    <span
      class="amop-pdf"
      data-pdf={path}
      data-opened-type={opened?.contentType}
      data-opened-size={opened?.blob.size}
    >
      <Button small={small} busy={action.busy} aria-label={ariaLabel} onClick={() => void action.run()}>
        {label ?? t('ui.open_pdf')}
      </Button>
      {action.error && <ErrorBox error={action.error} />}
    </span>
  );
}
