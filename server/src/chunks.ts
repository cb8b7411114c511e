/** `items` in consecutive slices of at most `size`, in order (batched writes, batched amoCRM requests). */
export function* chunksOf<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
