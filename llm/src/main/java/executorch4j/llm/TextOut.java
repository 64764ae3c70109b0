package executorch4j.llm;

import java.util.List;

/** Streams text: whole characters, holding back what could start a stop string. */
final class TextOut {
  private final Utf8Stream utf8 = new Utf8Stream();
  private final List<String> stops;
  private final TokenListener listener;
  private final StringBuilder held = new StringBuilder();
  private final StringBuilder text = new StringBuilder();

  TextOut(List<String> stops, TokenListener listener) {
    this.stops = stops;
    this.listener = listener;
  }

  /** Adds a token's bytes; true when a stop string was reached. */
  boolean push(byte[] bytes) {
    held.append(utf8.push(bytes));
    int at = -1;
    for (String s : stops) {
      int i = held.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) at = i;
    }
    if (at >= 0) {
      emit(held.substring(0, at));
      held.setLength(0);
      return true;
    }
    int keep = 0;
    for (String s : stops) {
      for (int k = Math.min(s.length() - 1, held.length()); k > keep; k--) {
        if (held.toString().regionMatches(held.length() - k, s, 0, k)) {
          keep = k;
          break;
        }
      }
    }
    emit(held.substring(0, held.length() - keep));
    held.delete(0, held.length() - keep);
    return false;
  }

  void flush() {
    held.append(utf8.flush());
    emit(held.toString());
    held.setLength(0);
  }

  private void emit(String piece) {
    if (piece.isEmpty()) return;
    text.append(piece);
    listener.onPiece(piece);
  }

  String text() {
    return text.toString();
  }
}
