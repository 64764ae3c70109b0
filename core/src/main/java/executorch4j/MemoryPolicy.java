package executorch4j;

/** Where a model's runtime memory comes from. */
public enum MemoryPolicy {
  /** The runtime's own allocation: malloc per allocation, freed with the model (default). */
  AUTO,
  /**
   * One pool of a fixed size, allocated once from an {@code Arena} at load. Every runtime
   * allocation of the model (method structures, memory-planned activations and I/O, the per-kernel
   * temp allocator) is carved from it; nothing is allocated per forward. See {@link
   * ExecuTorchModel#requiredPoolBytes(java.nio.file.Path)}.
   */
  STATIC,
  /** Every runtime allocation goes through a caller's {@link NativeAllocator}. */
  CUSTOM
}
