/**
 * executorch4j: run PyTorch ExecuTorch {@code .pte} models from Java through FFM. Only {@code
 * executorch4j} is exported; the generated bindings and glue stay internal.
 */
module executorch4j {
  exports executorch4j;
}
