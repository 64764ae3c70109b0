/**
 * executorch4j-cli: the {@code executorch4j} command (inspect, run, bench, generate, demo). It uses
 * the library's exported API only: a reach into core's unexported {@code executorch4j.internal}
 * fails to compile.
 */
module executorch4j.cli {
  requires executorch4j.llm;
}
