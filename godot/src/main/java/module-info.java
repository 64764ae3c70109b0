/**
 * executorch4j-godot: the Godot 4 GDExtension's Java side. The C shim starts a JVM with the jars on
 * the class path and calls {@link executorch4j.godot.Bootstrap} through JNI; everything else is
 * package-private. It uses only executorch4j's public API (and executorch4j-llm's, for text
 * generation, which works without that jar until a generation call).
 */
module executorch4j.godot {
  requires executorch4j;
  requires static executorch4j.llm;

  exports executorch4j.godot;
}
