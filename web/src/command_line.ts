// A command line typed into a form, as the argv the API takes: the task
// form of /runs/new and the schedule form of /schedules.

/// Splits a command line into argv by whitespace, as a shell would for the
/// simple cases: 'single quotes' keep everything, "double quotes" keep
/// spaces (\" and \\ escape inside them), a backslash outside quotes keeps
/// the next character. Throws on an unclosed quote.
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error("a single quote is not closed");
      cur += line.slice(i + 1, end);
      has = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const d = line[i];
        if (d === '"') { closed = true; i++; break; }
        if (d === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) { cur += line[i + 1]; i += 2; continue; }
        cur += d;
        i++;
      }
      if (!closed) throw new Error("a double quote is not closed");
      has = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[i + 1];
      has = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
      i++;
    } else {
      cur += c;
      has = true;
      i++;
    }
  }
  if (has) out.push(cur);
  return out;
}

/// The argv of `line`, or why it cannot be split (an unclosed quote).
export function parseCommand(line: string): { argv: string[]; error: string } {
  try {
    return { argv: splitArgs(line), error: "" };
  } catch (e: any) {
    return { argv: [], error: String(e?.message ?? e) };
  }
}
