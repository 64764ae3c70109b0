package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Engine methods are bound by name and hash; Godot refuses a bind whose hash it does not know. The
 * glue uses the 4.3 hashes; newer versions keep old ones in "hash_compatibility" when a signature
 * changes (FileAccess.store_buffer returns bool since 4.4). Checks every Gd.HASH_* against each
 * version's extension_api.json, as tabulated in engine_method_hashes.tsv.
 */
class EngineMethodHashesTest {
  /** Gd's engine-method hash constants and what they bind; a new constant must be added here. */
  static final Map<String, String> BINDS =
      Map.ofEntries(
          Map.entry("HASH_EMIT_SIGNAL", "Object.emit_signal"),
          Map.entry("HASH_CALL_DEFERRED", "Object.call_deferred"),
          Map.entry("HASH_FILE_OPEN", "FileAccess.open"),
          Map.entry("HASH_FILE_EXISTS", "FileAccess.file_exists"),
          Map.entry("HASH_FILE_OPEN_ERROR", "FileAccess.get_open_error"),
          Map.entry("HASH_FILE_LENGTH", "FileAccess.get_length"),
          Map.entry("HASH_FILE_SEEK", "FileAccess.seek"),
          Map.entry("HASH_FILE_GET_BUFFER", "FileAccess.get_buffer"),
          Map.entry("HASH_FILE_STORE_BUFFER", "FileAccess.store_buffer"),
          Map.entry("HASH_FILE_CLOSE", "FileAccess.close"),
          Map.entry("HASH_UNREFERENCE", "RefCounted.unreference"),
          Map.entry("HASH_ADD_FORMAT_LOADER", "ResourceLoader.add_resource_format_loader"),
          Map.entry("HASH_REMOVE_FORMAT_LOADER", "ResourceLoader.remove_resource_format_loader"),
          Map.entry("HASH_ADD_FORMAT_SAVER", "ResourceSaver.add_resource_format_saver"),
          Map.entry("HASH_REMOVE_FORMAT_SAVER", "ResourceSaver.remove_resource_format_saver"),
          Map.entry("HASH_ADD_EXPORT_PLUGIN", "EditorPlugin.add_export_plugin"),
          Map.entry("HASH_REMOVE_EXPORT_PLUGIN", "EditorPlugin.remove_export_plugin"),
          Map.entry("HASH_ADD_SHARED_OBJECT", "EditorExportPlugin.add_shared_object"),
          Map.entry("HASH_GET_OS_NAME", "EditorExportPlatform.get_os_name"));

  /** Builtin-type method hashes (Array/Dictionary/Packed*), not engine classes. */
  static final Set<String> BUILTIN = Set.of("HASH_SIZE", "HASH_RESIZE", "HASH_KEYS");

  @Test
  void everyBindResolvesFromGodot43On() throws Exception {
    Map<String, Map<String, Set<Long>>> known =
        new HashMap<>(); // version -> Class.method -> hashes
    for (String line :
        Files.readAllLines(Path.of("godot/src/test/resources/godot/engine_method_hashes.tsv"))) {
      if (line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      Set<Long> hashes = new TreeSet<>(List.of(Long.parseLong(f[3])));
      for (String c : f[4].split(",")) {
        if (!c.isEmpty()) {
          hashes.add(Long.parseLong(c));
        }
      }
      known.computeIfAbsent(f[0], v -> new HashMap<>()).put(f[1] + "." + f[2], hashes);
    }
    assertTrue(
        known.keySet().containsAll(Set.of("4.3", "4.4", "4.5", "4.6")),
        "versions: " + known.keySet());
    int checked = 0;
    for (Field field : Gd.class.getDeclaredFields()) {
      if (!Modifier.isStatic(field.getModifiers())
          || !field.getName().startsWith("HASH_")
          || BUILTIN.contains(field.getName())) {
        continue;
      }
      String bind = BINDS.get(field.getName());
      assertTrue(bind != null, field.getName() + " is not in BINDS (and engine_method_hashes.tsv)");
      field.setAccessible(true);
      long hash = field.getLong(null);
      assertEquals(
          known.get("4.3").get(bind).iterator().next(), hash, bind + " is bound with its 4.3 hash");
      for (var version : known.entrySet()) {
        Set<Long> accepted = version.getValue().get(bind);
        assertTrue(
            accepted != null && accepted.contains(hash),
            bind
                + " hash "
                + hash
                + " is not accepted by Godot "
                + version.getKey()
                + " ("
                + accepted
                + ")");
      }
      checked++;
    }
    assertEquals(BINDS.size(), checked);
  }
}
