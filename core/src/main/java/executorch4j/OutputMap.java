package executorch4j;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A method's outputs as returned by one call: read-only, and valid until the next call on the
 * model. A method keeps two of these and hands them out in turn, so a steady forward allocates
 * nothing, and reading the map of an earlier call fails instead of showing the newer outputs.
 */
final class OutputMap extends AbstractMap<String, Tensor> {
  private final String method;
  private final String[] names;
  private final Tensor[] values;
  private boolean current;

  OutputMap(String method, String[] names) {
    this.method = method;
    this.names = names;
    this.values = new Tensor[names.length];
  }

  Tensor[] tensors() {
    return values;
  }

  void setCurrent(boolean current) {
    this.current = current;
  }

  @Override
  public Tensor get(Object key) {
    requireCurrent();
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(key)) {
        return values[i];
      }
    }
    return null;
  }

  @Override
  public boolean containsKey(Object key) {
    for (String name : names) {
      if (name.equals(key)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int size() {
    return names.length;
  }

  @Override
  public Set<Map.Entry<String, Tensor>> entrySet() {
    requireCurrent();
    Map<String, Tensor> copy = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      copy.put(names[i], values[i]);
    }
    return Collections.unmodifiableMap(copy).entrySet();
  }

  private void requireCurrent() {
    if (!current) {
      throw new ExecuTorchException(
          ErrorCode.INVALID_STATE,
          method
              + ": these outputs were overwritten by a later"
              + " call on the model; copy() the tensors you keep (or use forwardAsync, whose results are copies)");
    }
  }

  /** Copies of every view of {@code views}, owned by the caller (the async calls' results). */
  static Map<String, Tensor> copyOf(Map<String, Tensor> views) {
    Map<String, Tensor> copy = new LinkedHashMap<>();
    views.forEach((k, v) -> copy.put(k, v.copy()));
    return Collections.unmodifiableMap(copy);
  }
}
