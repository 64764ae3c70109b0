package executorch4j.godot;

/**
 * Entry from the C shim ({@code godot/native/shim}): Godot's {@code get_proc_address}, library
 * pointer and initialization struct arrive here as raw addresses.
 */
public final class Bootstrap {
  private Bootstrap() {}

  /** Called once through JNI by {@code executorch4j_library_init}; never throws. */
  public static boolean init(long getProcAddress, long library, long rInitialization) {
    try {
      return GodotExtension.start(getProcAddress, library, rInitialization);
    } catch (Throwable t) {
      System.err.println("executorch4j: GDExtension initialization failed: " + t);
      t.printStackTrace();
      return false;
    }
  }
}
