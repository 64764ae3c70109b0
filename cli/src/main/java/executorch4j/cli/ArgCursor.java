package executorch4j.cli;

/**
 * A command's words read one at a time, as every command parses them: {@code --name value} and
 * {@code --name=value} both work, anything else is a positional word.
 */
final class ArgCursor {
  private final String[] args;
  private int at = -1;
  private String word;
  private String inlineValue; // after '=' in --name=value, else null

  ArgCursor(String[] args) {
    this.args = args;
  }

  /** Moves to the next word; false at the end. */
  boolean next() {
    if (++at >= args.length) {
      return false;
    }
    word = args[at];
    inlineValue = null;
    int eq = word.indexOf('=');
    if (word.startsWith("--") && eq > 0) {
      inlineValue = word.substring(eq + 1);
      word = word.substring(0, eq);
    }
    return true;
  }

  /** The word, or the option's name without its {@code =value}. */
  String word() {
    return word;
  }

  boolean hasInlineValue() {
    return inlineValue != null;
  }

  /** The option's value: after its '=', else the next word (consumed). */
  String value() {
    if (inlineValue != null) {
      return inlineValue;
    }
    if (at + 1 >= args.length) {
      throw new Main.UsageException(word + " needs a value");
    }
    return args[++at];
  }
}
