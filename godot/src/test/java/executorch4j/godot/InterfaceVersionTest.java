package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * compatibility_minimum = "4.3" holds only if every GDExtension interface function the extension
 * asks for exists in 4.3: checks each name the Java glue and the shim use against the
 * {@code @name}/{@code @since} doc blocks of Godot 4.3's own gdextension_interface.h (from the
 * gdextension-api crate that scripts/godot-api.sh caches).
 */
class InterfaceVersionTest {
  @Test
  void everyInterfaceFunctionUsedExistsInGodot43() throws IOException {
    GodotInterface v43 = GodotInterface.load("4.3");
    assertTrue(
        v43.functions().size() > 150,
        "the 4.3 header's @name blocks parse: " + v43.functions().size());
    assertEquals(
        "4.3",
        v43.functions().get("classdb_register_extension_class3"),
        "@since of a 4.3 function");
    assertEquals("4.1", v43.functions().get("variant_destroy"), "@since of a 4.1 function");
    // Scan for every name any Godot up to 4.7 knows, so a newer-only function is caught too.
    Set<String> known = new java.util.HashSet<>(GodotInterface.load("4.7").functions().keySet());
    known.addAll(v43.functions().keySet());
    Set<String> used = GodotInterface.usedByGlue(known);
    assertTrue(
        used.containsAll(
            Set.of(
                "classdb_register_extension_class3",
                "classdb_register_extension_class_method",
                "object_method_bind_call",
                "print_error")),
        "the scan finds the interface calls: " + used);
    for (String name : used) {
      assertTrue(
          v43.functions().containsKey(name),
          name + " is not in Godot 4.3's gdextension_interface.h");
      String[] v = v43.functions().get(name).split("\\.");
      assertTrue(
          Integer.parseInt(v[0]) < 4
              || (Integer.parseInt(v[0]) == 4 && Integer.parseInt(v[1]) <= 3),
          name + " is since " + v43.functions().get(name) + ", newer than the minimum 4.3");
    }
    System.out.println(
        used.size() + " interface functions used, all available in Godot 4.3: " + used);
  }
}
