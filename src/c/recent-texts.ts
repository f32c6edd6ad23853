/**
 * What was computed from the last few texts read, by text: one conversion asks the same questions
 * of the same few texts (the input, each preparation's result, the output) many times.
 */
export function rememberByText<T>(compute: (text: string) => T, keep = 4): (text: string) => T {
  const recent = new Map<string, T>();
  return (text) => {
    let found = recent.get(text);
    if (found === undefined) {
      found = compute(text);
      recent.set(text, found);
      if (recent.size > keep) recent.delete(recent.keys().next().value!);
    }
    return found;
  };
}
