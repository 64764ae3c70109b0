package executorch4j.llm;

/**
 * GPT-2's byte-to-unicode table, as used by Hugging Face's ByteLevel pre-tokenizer and decoder:
 * printable bytes map to themselves, the others to code points 256 and up.
 */
final class ByteLevel {
  static final char[] BYTE_TO_CHAR = new char[256];
  static final int[] CHAR_TO_BYTE = new int[512];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = printable ? (char) b : (char) (256 + n++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevel() {}

  /** The byte-level string of UTF-8 bytes. */
  static String encode(byte[] utf8) {
    char[] out = new char[utf8.length];
    for (int i = 0; i < utf8.length; i++) out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
    return new String(out);
  }

  /** The bytes of a byte-level string; characters outside the table keep their UTF-8 bytes. */
  static void decode(String s, java.io.ByteArrayOutputStream out) {
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp < CHAR_TO_BYTE.length && CHAR_TO_BYTE[cp] >= 0) {
        out.write(CHAR_TO_BYTE[cp]);
      } else {
        out.writeBytes(
            new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }
}
