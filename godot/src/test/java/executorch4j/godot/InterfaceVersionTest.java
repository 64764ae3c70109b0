package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * compatibility_minimum = "4.3" holds only if every GDExtension interface function the extension
 * asks for exists in 4.3: checks each name the Java glue and the shim use against the `since`
 * of Godot's own interface description (../shared/godot/gdextension_interface.json).
 */
class InterfaceVersionTest {
  static final Path INTERFACE = Path.of("../shared/godot/gdextension_interface.json");

  @Test
  void everyInterfaceFunctionUsedExistsInGodot43() throws IOException {
    assertTrue(Files.isRegularFile(INTERFACE), "Godot's interface description is expected at " + INTERFACE.toAbsolutePath());
    Map<String, String> since = new HashMap<>();
    JsonObject json = new Gson().fromJson(Files.readString(INTERFACE), JsonObject.class);
    for (JsonElement f : json.getAsJsonArray("interface")) {
      since.put(f.getAsJsonObject().get("name").getAsString(), f.getAsJsonObject().get("since").getAsString());
    }
    Set<String> used = new TreeSet<>();
    Pattern literal = Pattern.compile("\"([a-z0-9_]+)\"");
    try (Stream<Path> files = Stream.concat(Files.list(Path.of("godot/src/main/java/executorch4j/godot")),
        Stream.of(Path.of("godot/native/shim/executorch4j_godot.c")))) {
      for (Path f : files.toList()) {
        Matcher m = literal.matcher(Files.readString(f));
        while (m.find()) {
          if (since.containsKey(m.group(1))) {
            used.add(m.group(1));
          }
        }
      }
    }
    assertTrue(used.containsAll(Set.of("classdb_register_extension_class3", "classdb_register_extension_class_method",
        "object_method_bind_call", "print_error")), "the scan finds the interface calls: " + used);
    for (String name : used) {
      String[] v = since.get(name).split("\\.");
      assertTrue(Integer.parseInt(v[0]) < 4 || (Integer.parseInt(v[0]) == 4 && Integer.parseInt(v[1]) <= 3),
          name + " is since " + since.get(name) + ", newer than the minimum 4.3");
    }
    System.out.println(used.size() + " interface functions used, all available in Godot 4.3: " + used);
  }
}
