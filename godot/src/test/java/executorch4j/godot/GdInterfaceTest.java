package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The compiler checks each GdInterface call against its generated typedef's {@code invoke}; what it
 * cannot check is that the pointer passed was looked up under that typedef's function name. This
 * does: {@code fooBarFn = find("foo_bar")} must only ever go to {@code
 * GDExtensionInterfaceFooBar.invoke(fooBarFn, ...)}.
 */
class GdInterfaceTest {
  @Test
  void everyPointerIsCalledThroughItsOwnTypedef() throws IOException {
    String src =
        Files.readString(Path.of("godot/src/main/java/executorch4j/godot/GdInterface.java"));
    Map<String, String> names = new TreeMap<>();
    Matcher find =
        Pattern.compile("(\\w+Fn)\\s*=\\s*find\\(\\s*\"([a-z0-9_]+)\"\\s*\\);").matcher(src);
    while (find.find()) {
      names.put(find.group(1), find.group(2));
    }
    assertTrue(names.size() >= 40, "GdInterface looks up the interface functions: " + names);
    Matcher call = Pattern.compile("(\\w+)\\.invoke\\(\\s*(\\w+Fn)\\b").matcher(src);
    int calls = 0;
    while (call.find()) {
      String name = names.get(call.group(2));
      assertTrue(name != null, call.group(2) + " is called but never looked up");
      StringBuilder typedef = new StringBuilder("GDExtensionInterface");
      for (String part : name.split("_")) {
        typedef.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
      }
      assertEquals(typedef.toString(), call.group(1), call.group(2) + " was looked up as " + name);
      calls++;
    }
    assertEquals(
        names.size(), calls, "each pointer looked up is called through exactly one typedef");
  }
}
