package executorch4j.llm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns token bytes into text without splitting a UTF-8 character: bytes of an incomplete character
 * at the end are held until the next token completes it. Bytes that can never form a character
 * become U+FFFD, as in {@link Tokenizer#decode}.
 */
final class Utf8Stream {
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  /** Appends bytes and returns the text now complete (possibly empty). */
  String push(byte[] bytes) {
    pending.writeBytes(bytes);
    byte[] all = pending.toByteArray();
    int cut = completePrefix(all);
    pending.reset();
    pending.write(all, cut, all.length - cut);
    return new String(all, 0, cut, StandardCharsets.UTF_8);
  }

  /** The held bytes as text (an incomplete character becomes U+FFFD). */
  String flush() {
    String s = pending.toString(StandardCharsets.UTF_8);
    pending.reset();
    return s;
  }

  /** Length of the prefix that ends on a character boundary (an incomplete tail excluded). */
  static int completePrefix(byte[] b) {
    int n = b.length;
    // Look back at most 3 bytes for the lead byte of the last character.
    for (int back = 1; back <= Math.min(3, n); back++) {
      int c = b[n - back] & 0xFF;
      if ((c & 0xC0) == 0x80) continue; // continuation byte
      int need =
          c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 1;
      return need > back ? n - back : n;
    }
    return n;
  }
}
