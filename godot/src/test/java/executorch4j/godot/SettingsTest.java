package executorch4j.godot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import executorch4j.MemoryPolicy;
import executorch4j.OptimizationLevel;
import org.junit.jupiter.api.Test;

/** The settings sidecar (model.pte.cfg) that ResourceSaver writes and load() reads back. */
class SettingsTest {
  static final Settings DEFAULTS = new Settings(MemoryPolicy.AUTO, 0, OptimizationLevel.BASIC);

  @Test
  void roundTrips() {
    Settings s = new Settings(MemoryPolicy.STATIC, 65536, OptimizationLevel.AGGRESSIVE);
    assertEquals(s, Settings.parse(s.text(), DEFAULTS));
    assertEquals("model.pte.cfg", Settings.sidecar("model.pte"));
  }

  @Test
  void readsGodotConfigFileTextAndIgnoresOtherSections() {
    String text =
        "; written by hand\n[other]\nmemory_policy=2\n\n[executorch]\noptimization_level = 0\nunknown=1\n";
    Settings s = Settings.parse(text, DEFAULTS);
    assertEquals(MemoryPolicy.AUTO, s.policy());
    assertEquals(OptimizationLevel.NONE, s.level());
  }

  @Test
  void badValuesAreNamed() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Settings.parse("[executorch]\nmemory_policy=9\n", DEFAULTS));
    assertTrue(e.getMessage().contains("memory_policy"), e.getMessage());
    var pool =
        assertThrows(
            IllegalArgumentException.class,
            () -> Settings.parse("[executorch]\nmemory_policy=1\n", DEFAULTS));
    assertTrue(pool.getMessage().contains("pool_size_bytes"), pool.getMessage());
  }

  @Test
  void aPoolAboveTheMaximumIsRefusedNamingIt() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Settings.parse(
                    "[executorch]\nmemory_policy=1\npool_size_bytes=1073741825\n", DEFAULTS));
    assertTrue(e.getMessage().contains("pool_size_bytes=1073741825"), e.getMessage());
    assertTrue(e.getMessage().contains("maximum of 1073741824"), e.getMessage());
    // Also with AUTO: the value would apply once the policy is switched to STATIC.
    assertThrows(
        IllegalArgumentException.class,
        () -> Settings.parse("[executorch]\npool_size_bytes=4611686018427387904\n", DEFAULTS));
    assertThrows(
        IllegalArgumentException.class,
        () -> Settings.parse("[executorch]\npool_size_bytes=-1\n", DEFAULTS));
    assertEquals(
        1L << 30,
        Settings.parse("[executorch]\nmemory_policy=1\npool_size_bytes=1073741824\n", DEFAULTS)
            .poolBytes());
  }

  @Test
  void customFallsBackToAutoSinceGdscriptHasNoAllocator() {
    assertEquals(
        MemoryPolicy.AUTO, Settings.parse("[executorch]\nmemory_policy=2\n", DEFAULTS).policy());
  }
}
