/** A Map or WeakMap holding the inner maps of a two-level cache. */
interface OuterMap<K, K2, V> {
  get(key: K): Map<K2, V> | undefined;
  set(key: K, value: Map<K2, V>): unknown;
}

/** The inner map of a two-level cache, created when first asked for. */
export function innerMap<K, K2, V>(outer: OuterMap<K, K2, V>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (inner === undefined) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
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
