/** A Map or WeakMap used as a cache. */
interface Cache<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
}

/** The value a cache holds for a key, made and kept when first asked for. */
export function cached<K, V>(cache: Cache<K, V>, key: K, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** The inner map of a two-level cache, created when first asked for. */
export function innerMap<K, K2, V>(outer: Cache<K, Map<K2, V>>, key: K): Map<K2, V> {
  return cached(outer, key, () => new Map<K2, V>());
}

/** A small number standing for a value: 0 for the first one seen, 1 for the next, and so on. */
export function denseId<T>(ids: Map<T, number>, value: T): number {
  let id = ids.get(value);
  if (id === undefined) {
    id = ids.size;
    ids.set(value, id);
  }
  return id;
}
