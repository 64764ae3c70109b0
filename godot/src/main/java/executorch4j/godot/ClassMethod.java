package executorch4j.godot;

import java.util.List;

/**
 * One GDScript-visible method: name, argument types, return type ({@code null} = void) and the Java
 * body. Arguments arrive as the Java values {@link Variants} makes.
 */
record ClassMethod(String name, GType returns, List<Arg> args, Impl impl) {
  /** Marker for an argument Godot cannot convert to the declared type. */
  static final Object REJECT = new Object();

  @FunctionalInterface
  interface Impl {
    Object call(ResourceInstance self, Object[] args) throws Exception;
  }

  /** A declared argument. */
  record Arg(String name, GType type) {
    /** The value converted as Godot would for a call with Variants, or REJECT. */
    Object accept(Object value) {
      return switch (type) {
        case INT ->
            value instanceof Number n
                ? (Object) n.longValue()
                : value instanceof Boolean b ? (Object) (b ? 1L : 0L) : REJECT;
        case FLOAT -> value instanceof Number n ? (Object) n.doubleValue() : REJECT;
        case BOOL ->
            value instanceof Boolean
                ? value
                : value instanceof Number n ? (Object) (n.doubleValue() != 0) : REJECT;
        case STRING -> value instanceof String ? value : REJECT;
        case DICTIONARY -> value instanceof java.util.Map ? value : REJECT;
        case ARRAY -> value instanceof List ? value : REJECT;
        case PACKED_FLOAT32_ARRAY -> value instanceof Variants.FloatView ? value : REJECT;
        case PACKED_BYTE_ARRAY -> value instanceof byte[] ? value : REJECT;
        default -> value;
      };
    }
  }

  static Arg arg(String name, GType type) {
    return new Arg(name, type);
  }

  static ClassMethod of(String name, GType returns, Impl impl, Arg... args) {
    return new ClassMethod(name, returns, List.of(args), impl);
  }
}
