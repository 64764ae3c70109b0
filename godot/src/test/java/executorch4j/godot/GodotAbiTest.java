package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The extension declares compatibility_minimum 4.3 and is loaded by newer Godots too: every
 * interface function, callback typedef, enum constant and struct the glue relies on (the list
 * jextract/godot-symbols.txt generates the bindings from) must be present in 4.3, 4.4, 4.5, 4.6 and
 * 4.7, and each struct must keep 4.3's field names in 4.3's order. A struct or function a later
 * version deprecates but keeps still passes.
 */
class GodotAbiTest {
  static final String PREFIX = "GDExtensionInterface";

  static Stream<String> versions() {
    return GodotInterface.VERSIONS.stream();
  }

  /**
   * The symbols list's interface typedefs -> function names (as any of the 4.3 .. 4.7 interfaces
   * names them).
   */
  static Map<String, String> interfaceFunctions(GodotInterface v43) throws IOException {
    Map<String, String> byTypedef = new java.util.TreeMap<>();
    for (String version : GodotInterface.VERSIONS) {
      GodotInterface.load(version).typedefs().forEach((fn, td) -> byTypedef.put(td, fn));
    }
    v43.typedefs().forEach((fn, td) -> byTypedef.put(td, fn));
    Map<String, String> used = new java.util.TreeMap<>();
    for (String td : GodotInterface.symbolsList().getOrDefault("--include-typedef", Set.of())) {
      if (td.startsWith(PREFIX) && !v43.callbacks().contains(td)) {
        String fn = byTypedef.get(td);
        assertTrue(
            fn != null,
            "jextract/godot-symbols.txt lists " + td + ", which no Godot 4.3 .. 4.7 interface has");
        used.put(td, fn);
      }
    }
    return used;
  }

  @Test
  void symbolsListCoversEveryInterfaceFunctionTheGlueCalls() throws IOException {
    GodotInterface v43 = GodotInterface.load("4.3");
    Set<String> known = new java.util.HashSet<>(GodotInterface.load("4.7").functions().keySet());
    known.addAll(v43.functions().keySet());
    Set<String> glue = GodotInterface.usedByGlue(known);
    Set<String> listed = new TreeSet<>(interfaceFunctions(v43).values());
    Set<String> missing = new TreeSet<>(glue);
    missing.removeAll(listed);
    assertTrue(
        missing.isEmpty(),
        "the glue calls interface functions jextract/godot-symbols.txt does not list: " + missing);
    assertTrue(listed.size() >= 40, "the list names the interface functions: " + listed);
  }

  @ParameterizedTest(name = "Godot {0}")
  @MethodSource("versions")
  void everySymbolTheGlueUsesMatchesGodot43(String version) throws IOException {
    GodotInterface v43 = GodotInterface.load("4.3");
    GodotInterface v = GodotInterface.load(version);
    Map<String, Set<String>> list = GodotInterface.symbolsList();
    List<String> problems = new ArrayList<>();
    Map<String, String> functions = interfaceFunctions(v43);
    functions.forEach(
        (td, fn) -> {
          if (!v.functions().containsKey(fn)) {
            problems.add("Godot " + version + " has no interface function " + fn + " (" + td + ")");
          }
        });
    for (String td : list.getOrDefault("--include-typedef", Set.of())) {
      if (!functions.containsKey(td) && !v.callbacks().contains(td)) {
        problems.add("Godot " + version + " has no callback typedef " + td);
      }
    }
    for (String c : list.getOrDefault("--include-constant", Set.of())) {
      if (!v.constants().containsKey(c)) {
        problems.add("Godot " + version + " has no enum constant " + c);
      } else if (!v.constants().get(c).equals(v43.constants().get(c))) {
        problems.add(
            "Godot "
                + version
                + "'s "
                + c
                + " is "
                + v.constants().get(c)
                + ", 4.3's is "
                + v43.constants().get(c));
      }
    }
    for (String s : list.getOrDefault("--include-struct", Set.of())) {
      List<String> want = v43.structs().get(s);
      if (want == null || want.isEmpty()) {
        problems.add("Godot 4.3's header has no struct " + s + " to compare with");
      } else if (!v.structs().containsKey(s)) {
        problems.add("Godot " + version + " has no struct " + s);
      } else if (!v.structs().get(s).equals(want)) {
        problems.add(
            "Godot "
                + version
                + "'s struct "
                + s
                + " has fields "
                + v.structs().get(s)
                + ", 4.3 has "
                + want);
      }
    }
    if (!problems.isEmpty()) {
      fail(String.join("\n", problems));
    }
    System.out.println(
        "Godot "
            + version
            + ": "
            + functions.size()
            + " interface functions, "
            + list.get("--include-struct").size()
            + " structs, "
            + list.get("--include-constant").size()
            + " constants as in 4.3");
  }

  @Test
  void theParserReadsKnownStructs() {
    GodotInterface v43 = GodotInterface.load("4.3");
    assertEquals(
        List.of("minimum_initialization_level", "userdata", "initialize", "deinitialize"),
        v43.structs().get("GDExtensionInitialization"));
    assertEquals(
        List.of("type", "name", "class_name", "hint", "hint_string", "usage"),
        v43.structs().get("GDExtensionPropertyInfo"));
    assertEquals(2L, v43.constants().get("GDEXTENSION_INITIALIZATION_SCENE"));
    assertEquals(
        1L,
        v43.constants().get("GDEXTENSION_METHOD_FLAGS_DEFAULT"),
        "an alias of another constant");
    assertEquals(5L, v43.constants().get("GDEXTENSION_CALL_ERROR_INSTANCE_IS_NULL"));
    assertEquals(
        v43.structs().get("GDExtensionClassCreationInfo3"),
        GodotInterface.load("4.7").structs().get("GDExtensionClassCreationInfo3"),
        "header and JSON agree");
  }
}
