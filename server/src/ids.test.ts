import { createId, ID_PREFIXES, idOf, type IdPrefix } from './ids';

describe('ids', () => {
  it.each(Object.keys(ID_PREFIXES) as IdPrefix[])('%s: a minted id passes its validator only', (prefix) => {
    const id = createId(prefix);
    expect(idOf(prefix).safeParse(id).success).toBe(true);
    const other = (Object.keys(ID_PREFIXES) as IdPrefix[]).find((p) => p !== prefix)!;
    expect(idOf(other).safeParse(id).success).toBe(false);
  });

  it('names the kind in the error', () => {
    expect(idOf('inv').safeParse('inv_x').error?.issues[0]?.message).toBe('must be an invoice id');
    expect(idOf('ptn').safeParse('pin_0123456789').error?.issues[0]?.message).toBe('must be a partner id');
  });
});
