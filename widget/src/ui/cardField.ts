/**
 * Reads the card's custom field `CFV[<id>]` (the client's amoCRM account id; the field id is the widget
 * setting `account_id_field`) and follows the user's edits. amoCRM has no documented widget API for a
 * card field's unsaved value; the card form's inputs are named `CFV[<field id>]`.
 */
import { useEffect, useState } from 'preact/hooks';

export function useCardField(fieldId: string | null): string | null {
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
    setValue(read());
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

/** An amoCRM account id as the API accepts it (digits, no leading zero), or null. */
export function accountIdOf(raw: string | null | undefined): number | null {
  const s = (raw ?? '').replace(/[\s\u00a0]/g, '');
  return /^[1-9][0-9]{0,15}$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : null;
}
