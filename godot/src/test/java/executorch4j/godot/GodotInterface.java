package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One Godot version's GDExtension interface, read from the gdextension-api crates that
 * scripts/godot-api.sh caches (system properties godot.api and godot.api.latest, set by
 * godot/pom.xml): 4.2 .. 4.6 from gdextension_interface.h, 4.7 from gdextension_interface.json
 * (Godot 4.7 describes its interface in JSON; crate 0.5 ships no header).
 *
 * @param functions interface function name (get_proc_address) to its {@code @since}
 * @param typedefs interface function name to its function-pointer typedef (4.x headers;
 *     legacy_type_name in JSON)
 * @param structs struct name to its field names, in order
 * @param callbacks the function-pointer typedefs that are not interface functions (callbacks)
 * @param constants enum constant names to their values
 */
record GodotInterface(
    String version,
    Map<String, String> functions,
    Map<String, String> typedefs,
    Map<String, List<String>> structs,
    Set<String> callbacks,
    Map<String, Long> constants) {

  static final List<String> VERSIONS = List.of("4.3", "4.4", "4.5", "4.6", "4.7");
  private static final Pattern DOC =
      Pattern.compile(
          "@name (\\w+)\\s*\\n\\s*\\*\\s*@since (\\d+\\.\\d+).*?\\*/\\s*typedef [^;]*?\\(\\*(\\w+)\\)",
          Pattern.DOTALL);
  private static final Pattern STRUCT =
      Pattern.compile("typedef struct \\{(.*?)\\}\\s*(\\w+)\\s*;", Pattern.DOTALL);
  private static final Pattern FN_TYPEDEF =
      Pattern.compile("typedef [^;{}]*?\\(\\*(\\w+)\\)\\s*\\(");
  private static final Pattern ENUM =
      Pattern.compile("typedef enum \\{(.*?)\\}\\s*\\w+\\s*;", Pattern.DOTALL);
  private static final Pattern FIELD_FN = Pattern.compile("\\(\\s*\\*\\s*(\\w+)\\s*\\)");
  private static final Pattern LAST_IDENT = Pattern.compile("(\\w+)\\s*(\\[[^\\]]*\\])?\\s*$");

  static Path crate(String property) {
    String dir = System.getProperty(property);
    assertTrue(
        dir != null,
        "system property "
            + property
            + " is unset: run the tests through Maven (godot/pom.xml sets it"
            + " to the cache scripts/godot-api.sh fills)");
    Path p = Path.of(dir);
    assertTrue(Files.isDirectory(p), p + " is missing: run scripts/godot-api.sh");
    return p;
  }

  static Path header(String version) {
    return crate("godot.api").resolve("versions/" + version + "/res/gdextension_interface.h");
  }

  static GodotInterface load(String version) {
    try {
      if (version.equals("4.7")) {
        return fromJson(
            version, crate("godot.api.latest").resolve("src/gdextension_interface.json"));
      }
      Path h = header(version);
      assertTrue(
          Files.isRegularFile(h),
          "Godot " + version + "'s gdextension_interface.h is missing at " + h);
      return fromHeader(version, Files.readString(h));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static GodotInterface fromHeader(String version, String text) {
    Map<String, String> functions = new LinkedHashMap<>();
    Map<String, String> typedefs = new LinkedHashMap<>();
    Matcher m = DOC.matcher(text);
    while (m.find()) {
      functions.put(m.group(1), m.group(2));
      typedefs.put(m.group(1), m.group(3));
    }
    Map<String, List<String>> structs = new LinkedHashMap<>();
    Matcher s = STRUCT.matcher(text);
    while (s.find()) {
      List<String> fields = new ArrayList<>();
      String body = s.group(1).replaceAll("/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
      for (String decl : body.split(";")) {
        decl = decl.strip();
        if (decl.isEmpty()) {
          continue;
        }
        Matcher fn = FIELD_FN.matcher(decl);
        Matcher id = LAST_IDENT.matcher(decl);
        if (fn.find()) {
          fields.add(fn.group(1));
        } else if (id.find()) {
          fields.add(id.group(1));
        }
      }
      structs.put(s.group(2), fields);
    }
    Set<String> callbacks = new TreeSet<>();
    Matcher f = FN_TYPEDEF.matcher(text);
    while (f.find()) {
      callbacks.add(f.group(1));
    }
    callbacks.removeAll(typedefs.values());
    Map<String, Long> constants = new LinkedHashMap<>();
    Matcher e = ENUM.matcher(text);
    while (e.find()) {
      long next = 0;
      for (String c :
          e.group(1).replaceAll("/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ").split(",")) {
        Matcher name = Pattern.compile("^\\s*(\\w+)\\s*(?:=\\s*(\\w+))?").matcher(c);
        if (name.find()) {
          String v = name.group(2);
          long value =
              v == null
                  ? next
                  : v.matches("-?\\d+")
                      ? Long.parseLong(v)
                      : constants.getOrDefault(v, Long.MIN_VALUE);
          constants.put(name.group(1), value);
          next = value + 1;
        }
      }
    }
    return new GodotInterface(version, functions, typedefs, structs, callbacks, constants);
  }

  static GodotInterface fromJson(String version, Path json) throws IOException {
    assertTrue(Files.isRegularFile(json), "Godot's interface description is missing at " + json);
    JsonObject root = new Gson().fromJson(Files.readString(json), JsonObject.class);
    Map<String, String> functions = new LinkedHashMap<>();
    Map<String, String> typedefs = new LinkedHashMap<>();
    for (JsonElement el : root.getAsJsonArray("interface")) {
      JsonObject f = el.getAsJsonObject();
      String name = f.get("name").getAsString();
      functions.put(name, f.get("since").getAsString());
      if (f.has("legacy_type_name")) {
        typedefs.put(name, f.get("legacy_type_name").getAsString());
      }
    }
    Map<String, List<String>> structs = new LinkedHashMap<>();
    Set<String> callbacks = new TreeSet<>();
    Map<String, Long> constants = new LinkedHashMap<>();
    for (JsonElement el : root.getAsJsonArray("types")) {
      JsonObject t = el.getAsJsonObject();
      String name = t.get("name").getAsString();
      switch (t.get("kind").getAsString()) {
        case "struct" -> {
          List<String> fields = new ArrayList<>();
          t.getAsJsonArray("members")
              .forEach(mm -> fields.add(mm.getAsJsonObject().get("name").getAsString()));
          structs.put(name, fields);
        }
        case "function" -> callbacks.add(name);
        case "enum" ->
            t.getAsJsonArray("values")
                .forEach(
                    v ->
                        constants.put(
                            v.getAsJsonObject().get("name").getAsString(),
                            v.getAsJsonObject().get("value").getAsLong()));
        default -> {}
      }
    }
    return new GodotInterface(version, functions, typedefs, structs, callbacks, constants);
  }

  /**
   * The interface function names the Java glue and the C shim pass to get_proc_address (string
   * literals).
   */
  static Set<String> usedByGlue(Set<String> known) throws IOException {
    Set<String> used = new TreeSet<>();
    Pattern literal = Pattern.compile("\"([a-z0-9_]+)\"");
    try (Stream<Path> files =
        Stream.concat(
            Files.list(Path.of("godot/src/main/java/executorch4j/godot")),
            Stream.of(Path.of("godot/native/shim/executorch4j_godot.c")))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Matcher m = literal.matcher(Files.readString(f));
        while (m.find()) {
          if (known.contains(m.group(1))) {
            used.add(m.group(1));
          }
        }
      }
    }
    return used;
  }

  /** jextract/godot-symbols.txt: option -> the symbols listed with it, in order. */
  static Map<String, Set<String>> symbolsList() throws IOException {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("jextract/godot-symbols.txt"))) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] kv = line.split("\\s+");
      out.computeIfAbsent(kv[0], k -> new LinkedHashSet<>()).add(kv[1]);
    }
    return out;
  }
}
